"""Country names and ISO codes as people write them in a `country` column, read with phonenumbers' own data.

phonenumbers ships the name of every region it knows in dozens of languages (its geocoder's locale data), so
"Canada", "Kanada", "Royaume-Uni", "ca" and "CA" all give CA without another dependency.
"""

import importlib.util
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import cast

import phonenumbers

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


def locale_data() -> dict[str, dict[str, str]]:
    """phonenumbers' names of each region by language (`phonenumbers/geodata/locale.py`), read on its own.

    Imported as `phonenumbers.geodata.locale` it first imports its package, the geocoder's data of every number
    prefix: 99 MiB in every process that reads fields (measured), for data nothing here uses.
    """
    path = Path(phonenumbers.__file__).parent / "geodata" / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "phonenumbers.geodata"  # for its `from ..util import u`, which is phonenumbers.util
    spec.loader.exec_module(module)
    return cast(dict[str, dict[str, str]], module.LOCALE_DATA)


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for region, by_language in locale_data().items():
        if region not in phonenumbers.SUPPORTED_REGIONS:
            continue
        for name in by_language.values():
            if name and not name.startswith("*") and _key(name):  # "*xx": the same name as language xx
                names.setdefault(_key(name), region)
    names.update(ALIASES)
    return names
