"""Signed links: a genuine link opens, a changed byte, another secret, an expired or revoked link never does."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilehub_shared.subscription_links import (
    Link,
    LinkError,
    LinkSigner,
    check_not_revoked,
    claimed_database_id,
    manage_link,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SIGNER = LinkSigner("a-secret-of-enough-length")
LINK = Link("db1", "p1", "manage", NOW + timedelta(days=30), "n1")
TOKEN = SIGNER.mint(LINK)


def test_a_minted_link_verifies_to_what_it_says() -> None:
    assert SIGNER.verify(TOKEN, NOW, "manage") == LINK


@given(st.data())
def test_any_change_to_the_token_is_refused(data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(TOKEN) - 1))
    char = data.draw(st.characters(codec="utf-8").filter(lambda c: c != TOKEN[at]))
    tampered = TOKEN[:at] + char + TOKEN[at + 1 :]
    with pytest.raises(LinkError) as refused:
        SIGNER.verify(tampered, NOW, "manage")
    assert refused.value.reason == "invalid"


@given(st.text(max_size=3000))
def test_any_text_is_refused_not_crashed(text: str) -> None:
    with pytest.raises(LinkError):
        SIGNER.verify(text, NOW, "manage")


@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20), st.integers(1, 10**6))
def test_a_link_signed_with_another_secret_is_refused(database: str, profile: str, nonce: str, hours: int) -> None:
    link = Link(database, profile, "manage", NOW + timedelta(hours=hours), nonce)
    assert SIGNER.verify(SIGNER.mint(link), NOW, "manage") == link
    with pytest.raises(LinkError):
        LinkSigner("another-secret-of-length").verify(SIGNER.mint(link), NOW, "manage")


def test_a_link_expires() -> None:
    assert SIGNER.verify(TOKEN, LINK.expires_at - timedelta(seconds=1), "manage")
    with pytest.raises(LinkError) as refused:
        SIGNER.verify(TOKEN, LINK.expires_at, "manage")
    assert refused.value.reason == "expired"


def test_a_link_of_one_purpose_does_not_open_the_other() -> None:
    confirm = SIGNER.mint(Link("db1", "p1", "confirm", NOW + timedelta(days=1), "", "news", "email"))
    with pytest.raises(LinkError):
        SIGNER.verify(confirm, NOW, "manage")
    with pytest.raises(LinkError):
        SIGNER.verify(TOKEN, NOW, "confirm")
    assert SIGNER.verify(confirm, NOW, "confirm").resource_id == "news"


def test_rotating_the_profile_nonce_revokes_its_links() -> None:
    profile = {"_id": "p1"}
    link = SIGNER.verify(SIGNER.mint(manage_link("db1", profile, NOW, 30)), NOW, "manage")
    check_not_revoked(link, profile)
    with pytest.raises(LinkError) as refused:
        check_not_revoked(link, {"_id": "p1", "subscription_manager_nonce": "rotated"})
    assert refused.value.reason == "revoked"


def test_no_short_secret() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        LinkSigner("short")


def test_the_claimed_database_is_read_without_trusting_it() -> None:
    assert claimed_database_id(TOKEN) == "db1"
    assert claimed_database_id("not a token") is None


@given(st.data())
def test_cutting_or_inserting_anywhere_is_refused(data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(TOKEN)))
    inserted = data.draw(st.text(min_size=1, max_size=5))
    cut = data.draw(st.integers(1, 5))
    for tampered in (TOKEN[:at] + inserted + TOKEN[at:], TOKEN[:at] + TOKEN[at + cut :]):
        if tampered != TOKEN:
            with pytest.raises(LinkError):
                SIGNER.verify(tampered, NOW, "manage")
