"""Large uploads go to the schema service in chunks, so that no Kafka message outgrows the broker's limit."""

from collections.abc import Iterator, Sequence
from typing import TypeVar

from profilehub_shared.contracts.schema import Counts

T = TypeVar("T")

# Entries are at most a few hundred bytes (the API caps their length), so a chunk stays well under 1 MB.
CHUNK = 2000


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in slices of `size`; one empty slice when there are none (the caller still gets an answer)."""
    if not items:
        yield items
    for start in range(0, len(items), size):
        yield items[start : start + size]


def total(counts: list[Counts]) -> Counts:
    """The counts of several chunks as one."""
    return Counts(
        added=sum(c.added for c in counts),
        removed=sum(c.removed for c in counts),
        duplicates=sum(c.duplicates for c in counts),
        invalid=[item for c in counts for item in c.invalid],
    )
