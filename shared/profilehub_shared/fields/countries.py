"""Country names and ISO codes as people write them in a `country` column, read with phonenumbers' own data.

phonenumbers ships the name of every region it knows in dozens of languages (its geocoder's locale data), so
"Canada", "Kanada", "Royaume-Uni", "ca" and "CA" all give CA without another dependency.
"""

import re
import unicodedata
from functools import cache

import phonenumbers
from phonenumbers.geodata.locale import LOCALE_DATA

# Common names the locale data does not hold (it has one name per language), and ISO 3166 alpha-3 codes of the
# countries migrating files name most often.
ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "gbr": "GB",
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "us of america": "US",
    "can": "CA",
    "aus": "AU",
    "deu": "DE",
    "fra": "FR",
    "rus": "RU",
    "russia": "RU",
    "nzl": "NZ",
    "irl": "IE",
    "zaf": "ZA",
    "ind": "IN",
    "esp": "ES",
    "ita": "IT",
    "nld": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "south korea": "KR",
    "korea": "KR",
    "czechia": "CZ",
    "uae": "AE",
}
MAX_COUNTRY_TEXT = 200


def country_code(text: str) -> str | None:
    """The ISO 3166 alpha-2 code of a country written as its code or its name (any case, accents optional)."""
    if len(text) > MAX_COUNTRY_TEXT:
        return None
    key = _key(text)
    if not key:
        return None
    if len(key) == 2 and key.upper() in phonenumbers.SUPPORTED_REGIONS:
        return key.upper()
    return _names().get(key)


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or text
    return re.sub(r"[\s.,'’()-]+", " ", plain).strip().lower()


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for region, by_language in LOCALE_DATA.items():
        if region not in phonenumbers.SUPPORTED_REGIONS:
            continue
        for name in by_language.values():
            if name and not name.startswith("*") and _key(name):  # "*xx": the same name as language xx
                names.setdefault(_key(name), region)
    names.update(ALIASES)
    return names
