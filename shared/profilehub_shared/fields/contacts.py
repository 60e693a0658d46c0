"""Standard fields with their own syntax: email, gender, timezone (phones: see `phones`)."""

import zoneinfo
from functools import cache

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

from .errors import FieldValueError
from .text import checked_text

MAX_EMAIL_TEXT = 320  # RFC 5321 bounds an address far below this; refuse longer text before parsing
GENDERS = ("male", "female")
KNOWN_DOMAINS_MAX = 10_000

# ASCII domains email-validator accepted as written (lower-cased). A file's addresses share few
# domains; an address with a plain local part (an ASCII dot-atom, which email-validator takes as it is) at such a
# domain needs no second validation of the domain, which is two thirds of validate_email's cost.
_known_domains: set[str] = set()


def coerce_email(field: str, raw: object) -> str:
    """A syntactically valid address, lower-cased whole (domain IDNA-normalised), so that addresses match
    case-blind as in listmonk and Mautic: `Ann@Shop.example` and `ann@shop.example` are one subscriber."""
    if not isinstance(raw, str) or len(raw) > MAX_EMAIL_TEXT:
        raise FieldValueError(field, raw, "invalid_email", "expected an email address such as ann@example.com")
    text = checked_text(field, raw.strip(), MAX_EMAIL_TEXT)
    local, _, domain = text.rpartition("@")
    written = domain.lower() if domain.isascii() else None
    if written in _known_domains and len(text) <= EMAIL_MAX_LENGTH and DOT_ATOM_TEXT.match(local):
        return text.lower()  # what validate_email gives it, lower-cased
    try:
        checked = validate_email(text, check_deliverability=False)
    except (EmailNotValidError, UnicodeError) as exc:
        raise FieldValueError(field, raw, "invalid_email", f"not a valid email address ({exc})") from None
    if (
        written is not None
        and written == checked.domain == checked.ascii_domain
        and len(_known_domains) < KNOWN_DOMAINS_MAX
    ):
        _known_domains.add(written)  # the domain as written is the one validated (no display name, no IDNA)
    return str(checked.normalized).lower()


def coerce_gender(field: str, raw: object) -> str:
    """`male` or `female`, in any case."""
    text = raw.strip().lower() if isinstance(raw, str) and len(raw) <= 100 else None
    if text not in GENDERS:
        raise FieldValueError(field, raw, "not_an_option", "expected male or female")
    return text


def coerce_timezone(field: str, raw: object) -> str:
    """An IANA time-zone name in its canonical spelling ("europe/moscow" gives "Europe/Moscow")."""
    text = raw.strip().lower() if isinstance(raw, str) and len(raw) <= 100 else None
    zone = _timezones().get(text) if text else None
    if zone is None:
        raise FieldValueError(field, raw, "invalid_timezone", "expected an IANA time zone such as Europe/Moscow")
    return zone


@cache
def _timezones() -> dict[str, str]:
    # Listing the zones walks the tz database on disk; do it once per process.
    return {name.lower(): name for name in zoneinfo.available_timezones()}
