"""Where an IPv4 address is, from an offline database: for `detect_geo` on imports (reg_ip → reg_country …).

Two sources, chosen by `GEOIP_DATABASE`:
- unset: the country database that the `geoip2fast` package ships (MaxMind GeoLite2 Country, IPv4; no region or
  city). Loads in about 0.1 s, about 40 MB of memory, about 3 µs a lookup.
- a path to a MaxMind DB (`.mmdb`: GeoLite2 / GeoIP2 Country or City, or any database of that layout), read with
  `maxminddb`: country, and region and city where the database has them.
Countries are ISO 3166-1 alpha-2 codes (`GB`, `US`): they stay the same when a country's English name changes.
Private, reserved and unknown addresses have no place.
"""

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Place:
    """What a database says of an address; None where it says nothing."""

    country: str | None = None
    region: str | None = None
    city: str | None = None


class Locator(Protocol):
    source: str  # which data, of which date, for the README and the logs

    def locate(self, ip: str) -> Place | None: ...


class GeoDatabaseError(ValueError):
    """GEOIP_DATABASE names a file that is missing or not a MaxMind DB."""


class ShippedCountries:
    """The IPv4 country data that `geoip2fast` ships (GeoLite2 Country of the date in `source`)."""

    def __init__(self) -> None:
        from geoip2fast import GeoIP2Fast  # imported here: reading its data costs 0.1 s and 40 MB

        self.reader = GeoIP2Fast(verbose=False)
        self.source = f"geoip2fast {self.reader.source_info}"

    def locate(self, ip: str) -> Place | None:
        if not _public(ip):
            return None
        found = self.reader.lookup(ip)
        code = getattr(found, "country_code", "")
        return Place(country=code) if len(code) == 2 and code.isalpha() else None


class MaxMindDatabase:
    """An operator's MaxMind DB file (Country or City), read with maxminddb."""

    def __init__(self, path: str) -> None:
        import maxminddb
        from maxminddb.errors import InvalidDatabaseError

        if not Path(path).is_file():
            raise GeoDatabaseError(f"GEOIP_DATABASE: no such file {path!r}")
        try:
            self.reader = maxminddb.open_database(path)
        except (InvalidDatabaseError, ValueError, OSError) as exc:
            raise GeoDatabaseError(f"GEOIP_DATABASE: {path!r} is not a MaxMind DB ({exc})") from None
        meta = self.reader.metadata()
        built = datetime.fromtimestamp(meta.build_epoch, UTC).date()
        self.source = f"{meta.database_type} built {built.isoformat()}, {path}"

    def locate(self, ip: str) -> Place | None:
        if not _public(ip):
            return None
        record = self.reader.get(ip)
        if not isinstance(record, dict):
            return None
        country = _dig(record, "country", "iso_code")
        subdivisions = record.get("subdivisions")
        region = _dig(subdivisions[0], "names", "en") if isinstance(subdivisions, list) and subdivisions else None
        place = Place(country=country, region=region, city=_dig(record, "city", "names", "en"))
        return place if place != Place() else None


def _dig(record: Any, *keys: str) -> str | None:
    for key in keys:
        record = record.get(key) if isinstance(record, dict) else None
    return record if isinstance(record, str) and record else None


def _public(ip: str) -> bool:
    try:
        return ipaddress.IPv4Address(ip).is_global
    except ValueError:
        return False


GEOIP_DATABASE = "GEOIP_DATABASE"


@cache
def locator(path: str | None) -> Locator:
    """The locator of `path` (None: the shipped countries), opened once per process: the data is read-only."""
    return MaxMindDatabase(path) if path else ShippedCountries()


def configured_locator() -> Locator:
    """The locator `GEOIP_DATABASE` names (the importer's setting of that name checks it at start-up)."""
    return locator(os.environ.get(GEOIP_DATABASE) or None)
