"""`phonenumbers.is_valid_number`, with each region's patterns compiled once and a number's type looked for once.

An import checks every phone of every row. `is_valid_number` finds the number's region and then checks the
number against that region's patterns; for a calling code shared by several regions (+1, +7, +44, +47 …) it finds
the region by that very check and then makes it a second time, and each check looks up and compiles (from a cache)
up to eleven patterns. Here a calling code's regions (metadata, leading digits, patterns) are gathered once, a
region found by the check is the answer, and the answer is the same: a test compares the two on generated numbers
of every calling code. `is_valid_national` takes the calling code and national number as they are, so a number
read from its E.164 text is checked without building phonenumbers' number object.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from phonenumbers import PhoneMetadata, PhoneNumber
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, national_significant_number

NON_GEOGRAPHIC = "001"  # the region of +800, +808, +870 … numbers (phonenumbers' REGION_CODE_FOR_NON_GEO_ENTITY)


@dataclass(frozen=True)
class Pattern:
    """One kind of number of a region: its possible lengths (None: any) and its pattern."""

    lengths: frozenset[int] | None
    fullmatch: Callable[[str], re.Match[str] | None]

    def matches(self, nsn: str) -> bool:
        return (self.lengths is None or len(nsn) in self.lengths) and self.fullmatch(nsn) is not None


@dataclass(frozen=True)
class RegionPatterns:
    """A region's patterns: a valid number matches the general one and the one of some type (fixed line, mobile,
    toll free …), as `phonenumbers`' number-type check decides. The types' patterns are joined, for each length
    a number can have, into one alternation: it matches the whole number exactly when one of them does."""

    general: Pattern | None
    types_by_length: dict[int, Callable[[str], re.Match[str] | None]]
    types_of_any_length: Callable[[str], re.Match[str] | None] | None

    def valid(self, nsn: str) -> bool:
        if self.general is None or not self.general.matches(nsn):
            return False
        types = self.types_by_length.get(len(nsn), self.types_of_any_length)
        return types is not None and types(nsn) is not None


def is_valid_number(number: PhoneNumber) -> bool:
    """What `phonenumbers.is_valid_number(number)` answers."""
    code = number.country_code
    return code is not None and is_valid_national(code, national_significant_number(number))


def is_valid_national(code: int, nsn: str) -> bool:
    """Whether the number of calling code `code` and national significant number `nsn` is valid."""
    regions = regions_of(code)
    if not regions:
        return False
    if len(regions) == 1:
        return regions[0].valid(nsn)
    for region in regions:  # the first region whose leading digits it has, or else that it is valid in
        if region.metadata is None:
            continue
        if region.leading is not None:
            if region.leading(nsn):
                return region.valid(nsn)
        elif region.patterns is not None and region.patterns.valid(nsn):
            return region.metadata.country_code == code
    return False


@dataclass(frozen=True)
class Region:
    """A region of a calling code as a number's check needs it: its metadata (None: phonenumbers has none), the
    match of its leading digits, its patterns, and whether its metadata is of that calling code at all."""

    metadata: PhoneMetadata | None
    leading: Callable[[str], re.Match[str] | None] | None
    patterns: RegionPatterns | None
    of_code: bool

    def valid(self, nsn: str) -> bool:
        """`phonenumbers.is_valid_number_for_region` of a national number of the calling code."""
        return self.of_code and self.patterns is not None and self.patterns.valid(nsn)


_REGIONS: dict[int, tuple[Region, ...]] = {}


def regions_of(code: int) -> tuple[Region, ...]:
    """The regions of calling code `code` in phonenumbers' order, gathered once (its metadata is never unloaded)."""
    held = _REGIONS.get(code)
    if held is None:
        held = _REGIONS[code] = tuple(region(code, name) for name in COUNTRY_CODE_TO_REGION_CODE.get(code, ()))
    return held


def region(code: int, name: str) -> Region:
    if name == NON_GEOGRAPHIC:
        metadata = PhoneMetadata.metadata_for_nongeo_region(code, None)
    else:
        metadata = PhoneMetadata.metadata_for_region(name.upper(), None)
    if metadata is None:
        return Region(None, None, None, False)
    leading = leading_digits(metadata.leading_digits) if metadata.leading_digits is not None else None
    of_code = name == NON_GEOGRAPHIC or metadata.country_code == code
    return Region(metadata, leading, patterns_of(metadata), of_code)


_LEADING: dict[str, Callable[[str], re.Match[str] | None]] = {}


def leading_digits(text: str) -> Callable[[str], re.Match[str] | None]:
    """`re.match` of a region's leading digits, compiled once (`re`'s own cache costs a lookup a number)."""
    held = _LEADING.get(text)
    if held is None:
        held = _LEADING[text] = re.compile(text).match
    return held


_PATTERNS: dict[int, tuple[PhoneMetadata, RegionPatterns]] = {}  # by id of the (never unloaded) metadata


def patterns_of(metadata: PhoneMetadata) -> RegionPatterns:
    held = _PATTERNS.get(id(metadata))
    if held is None or held[0] is not metadata:
        held = metadata, compiled(metadata)
        _PATTERNS[id(metadata)] = held
    return held[1]


def compiled(metadata: PhoneMetadata) -> RegionPatterns:
    m = metadata
    kinds = [m.premium_rate, m.toll_free, m.shared_cost, m.voip, m.personal_number, m.pager, m.uan, m.voicemail]
    kinds.append(m.fixed_line)
    if not m.same_mobile_and_fixed_line_pattern:  # else mobile numbers are the fixed-line ones
        kinds.append(m.mobile)
    types = [(lengths_of(k), k.national_number_pattern) for k in kinds if k is not None and k.national_number_pattern]
    stated = {length for lengths, _ in types for length in lengths or ()}
    by_length = {n: joined([p for lengths, p in types if lengths is None or n in lengths]) for n in stated}
    return RegionPatterns(
        pattern_of(m.general_desc),
        {n: match for n, match in by_length.items() if match is not None},
        joined([p for lengths, p in types if lengths is None]),
    )


def joined(patterns: list[str]) -> Callable[[str], re.Match[str] | None] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)).fullmatch if patterns else None


def lengths_of(desc: object) -> frozenset[int] | None:
    """A number description's possible lengths; None when it states none (then any length is possible)."""
    return frozenset(getattr(desc, "possible_length", None) or ()) or None


def pattern_of(desc: object) -> Pattern | None:
    """A number description's check; None for one that no number matches (absent, or without a pattern)."""
    text = getattr(desc, "national_number_pattern", None)
    if not text:
        return None
    return Pattern(lengths_of(desc), re.compile(text).fullmatch)
