"""Whether a profile is suppressed: its email, its email's domain or one of its phones is on the attached list.

The list lives in the schema service's `suppression_entries` (kind: email, phone or domain; values normalised as
profiles store them, emails and domains lower-cased). A batch asks for the entries among its own keys only.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .merge import Merged


@dataclass(frozen=True)
class Listed:
    """The entries of one suppression list that a batch of profiles could hit."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entries: Iterable[dict[str, Any]]) -> "Listed":
        by_kind: dict[str, set[str]] = {"email": set(), "phone": set(), "domain": set()}
        for entry in entries:
            by_kind.get(entry["kind"], set()).add(entry["value"])
        return cls(frozenset(by_kind["email"]), frozenset(by_kind["phone"]), frozenset(by_kind["domain"]))


NOTHING_LISTED = Listed()


def email_key(profile: dict[str, Any]) -> str | None:
    email = profile.get("email")
    return email.lower() if isinstance(email, str) and email else None


def domain_of(email: str) -> str:
    return email.rpartition("@")[2]


def lookup_values(profiles: Iterable[dict[str, Any]]) -> list[str]:
    """Every entry value that could suppress one of `profiles`: emails, their domains, phones."""
    values: set[str] = set()
    for profile in profiles:
        email = email_key(profile)
        if email is not None:
            values |= {email, domain_of(email)}
        values.update(p for p in profile.get("phones") or () if isinstance(p, str))
    return sorted(values)


def is_suppressed(profile: dict[str, Any], listed: Listed) -> bool:
    email = email_key(profile)
    if email is not None and (email in listed.emails or domain_of(email) in listed.domains):
        return True
    return any(phone in listed.phones for phone in profile.get("phones") or ())


def with_flag(merged: Merged, listed: Listed) -> Merged:
    """`merged` with its `suppressed` flag decided; an update that flips the flag records it as a change."""
    flag = is_suppressed(merged.profile, listed)
    if merged.outcome == "created":
        merged.profile["suppressed"] = flag
    elif merged.outcome == "updated" and bool(merged.profile.get("suppressed")) != flag:
        merged.changes["suppressed"] = (merged.profile.get("suppressed"), flag)
        merged.profile["suppressed"] = flag
    return merged


def needs_flag(merged: Merged) -> bool:
    """Only new profiles and changed emails or phones can change whether a write is suppressed."""
    return merged.outcome == "created" or "email" in merged.changes or "phones" in merged.changes


def refreshed_flag(profile: dict[str, Any], listed: Listed) -> bool | None:
    """The flag a list refresh writes: None when the stored one is right already (absent counts as false)."""
    flag = is_suppressed(profile, listed)
    stored = profile.get("suppressed")
    return None if stored is flag or (stored is None and not flag) else flag
