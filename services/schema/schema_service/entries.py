"""Normalising suppression-list entries: emails and phones as profiles store them, domains lower-cased."""

import re
from typing import Any

from profilehub_shared.fields import FieldValueError, coerce_standard

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_entries(
    emails: list[str], phones: list[str], domains: list[str]
) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """Valid entries per kind (de-duplicated), and the invalid ones with their reasons."""
    entries: dict[str, list[str]] = {"email": [], "phone": [], "domain": []}
    invalid: list[dict[str, Any]] = []
    for raw in emails:
        try:
            entries["email"].append(str(coerce_standard("email", raw)).lower())
        except FieldValueError as exc:
            invalid.append(exc.to_dict())
    for raw in phones:
        try:
            entries["phone"] += list(coerce_standard("phones", raw))  # type: ignore[call-overload]
        except FieldValueError as exc:
            invalid.append(exc.to_dict())
    for raw in domains:
        domain = raw.strip().lower().lstrip("@")
        if DOMAIN.match(domain):
            entries["domain"].append(domain)
        else:
            invalid.append(
                {
                    "field": "domains",
                    "value": raw[:100],
                    "code": "invalid_domain",
                    "message": f"{raw[:100]!r} is not a domain name",
                }
            )
    return {kind: list(dict.fromkeys(values)) for kind, values in entries.items()}, invalid
