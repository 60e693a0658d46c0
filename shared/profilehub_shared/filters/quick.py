"""The quick-search box: `field:value`, or bare text looked for in email and names."""

import re

from .model import MAX_FIELD_TEXT, Condition, Filter, FilterError, Group

QUICK_FIELD = re.compile(r"[A-Za-z0-9_.-]+", re.ASCII)
BARE_TEXT_FIELDS = ("email", "first_name", "last_name")
MAX_QUICK_TEXT = 1000


def parse_quick_search(text: str) -> Filter:
    """`field:value` as an eq condition (the value is read as typed text by the field's type, e.g. `vip:yes`);
    any other text as "email, first name or last name contains it" (case-insensitive).

    Split at the first ':'; only a prefix that looks like a field name makes it a field search, so `a:b:c`
    compares field `a` with `b:c`. FilterError for empty text, a field with no value, or text over 1000 chars.
    """
    text = text.strip()
    if not text:
        raise FilterError("quick", text, "empty_search", "type field:value, or text to look for")
    if len(text) > MAX_QUICK_TEXT:
        raise FilterError("quick", text, "too_long", f"a quick search is at most {MAX_QUICK_TEXT} characters")
    name, colon, value = (part.strip() for part in text.partition(":"))
    if not colon or not QUICK_FIELD.fullmatch(name):
        return Group(any=[Condition(field=f, op="contains", value=text) for f in BARE_TEXT_FIELDS])
    if len(name) > MAX_FIELD_TEXT:
        raise FilterError(name, name, "unknown_field", "no such field in this database")
    if not value:
        raise FilterError(name, text, "empty_value", "nothing to compare after ':'")
    return Condition(field=name, op="eq", value=value)
