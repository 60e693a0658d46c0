"""The page's languages: one gettext catalog (`locales/<lang>/LC_MESSAGES/messages.po`) per shipped language.

The `.po` files are read at start (Babel compiles them in memory), so a translator edits one text file and a
clean `pip install` needs no build step. A database language without a catalog is shown in English.
"""

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).parent / "locales"
FALLBACK = "en"


def shipped_languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))


@cache
def translations(language: str) -> Translations:
    """The catalog of `language` (English when there is none)."""
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        path = LOCALES / FALLBACK / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=language if path.parts[-3] == language else FALLBACK)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


# What the page says for each reason the field rules give (their English reasons go to the API and logs).
ERROR_MESSAGES = {
    "not_an_integer": N_("Enter a whole number, such as 42."),
    "not_a_number": N_("Enter a number, such as 12.5."),
    "not_finite": N_("Enter a number, such as 12.5."),
    "out_of_range": N_("This number is too large or too small."),
    "too_long": N_("This text is too long."),
    "invalid_date": N_("Enter a date, such as 2020-05-31."),
    "invalid_email": N_("Enter an email address, such as ann@example.com."),
    "invalid_phone": N_("Enter phone numbers in international form, such as +4791234567."),
    "invalid_ip": N_("Enter an IPv4 address, such as 192.0.2.10."),
    "invalid_timezone": N_("Enter a time zone name, such as Europe/Oslo."),
    "not_an_option": N_("Choose one of the options."),
    "not_a_boolean": N_("Tick the box or leave it empty."),
    "invalid_tag": N_("A tag may not be longer than 1000 characters."),
    "too_many": N_("There are too many items."),
    "invalid_json": N_('Enter valid JSON, such as {"city": "Oslo"}.'),
    "not_an_object": N_('Enter a JSON object, such as {"city": "Oslo"}.'),
    "not_an_array": N_("Enter a JSON list of objects."),
    "nul_character": N_("This text holds a character that is not allowed."),
}
GENERIC_ERROR = N_("This value is not valid.")


def error_message(code: str) -> str:
    """The msgid of the page's message for a field-rule error code."""
    return ERROR_MESSAGES.get(code, GENERIC_ERROR)


# The standard fields' labels on the page (custom fields show their own title, in the database's words).
STANDARD_LABELS = {
    "email": N_("Email"),
    "phones": N_("Phones"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "birth_date": N_("Date of birth"),
    "gender": N_("Gender"),
    "reg_date": N_("Registration date"),
    "reg_ip": N_("Registration IP"),
    "reg_city": N_("Registration city"),
    "reg_country": N_("Registration country"),
    "reg_url": N_("Registration URL"),
    "ip": N_("IP address"),
    "city": N_("City"),
    "country": N_("Country"),
    "region": N_("Region"),
    "postal_code": N_("Postal code"),
    "timezone": N_("Time zone"),
    "vendor": N_("Lead source"),
}
