"""The percentage range of a bulk update: an even, stable slice of a database by a hash of the profile id.

The slice is computed while scanning, not stored: a stored `slice` key would have to be back-filled on every
existing profile and kept on every write, while sha1 of the id is cheap, needs no index and works on FerretDB 1.x.
"""

import hashlib

SLICES = 10_000  # 0.01 % steps


def slice_of(profile_id: str) -> int:
    """The profile's slice, 0 … 9999: the same for the same id, evenly spread over ids."""
    return int(hashlib.sha1(profile_id.encode()).hexdigest()[:8], 16) % SLICES


def in_range(profile_id: str, from_percent: float, to_percent: float) -> bool:
    """Whether the profile falls in [from, to) percent; adjacent ranges never overlap, 0–100 takes all."""
    low, high = round(from_percent * SLICES / 100), round(to_percent * SLICES / 100)
    return low <= slice_of(profile_id) < high
