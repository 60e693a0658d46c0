"""Who a bearer secret names, and what that caller sees (SPEC §7)."""

from typing import Any

import pytest

from gateway_service.auth import ADMIN, Principal, hash_token, is_admin_token, principal_of
from gateway_service.errors import ApiError
from gateway_service.settings import ConfigurationError, load_settings

ADMIN_SECRET = "admin-secret-0123456789"


class FakeTokens:
    def __init__(self, *docs: dict[str, Any]) -> None:
        self.docs = list(docs)

    async def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        return next((d for d in self.docs if all(d.get(k) == v for k, v in query.items())), None)


class FakeDb:
    def __init__(self, *tokens: dict[str, Any]) -> None:
        self.tokens = FakeTokens(*tokens)


def test_tokens_are_stored_as_sha256_hex() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_token("abc") != hash_token("abd")


def test_the_admin_token_must_match_exactly() -> None:
    assert is_admin_token(ADMIN_SECRET, ADMIN_SECRET)
    assert not is_admin_token(ADMIN_SECRET[:-1], ADMIN_SECRET)
    assert not is_admin_token(ADMIN_SECRET + "x", ADMIN_SECRET)


@pytest.mark.parametrize("secret", [None, "", "unknown-token"])
async def test_missing_or_unknown_tokens_are_unauthorized(secret: str | None) -> None:
    with pytest.raises(ApiError) as refused:
        await principal_of(secret, ADMIN_SECRET, FakeDb())
    assert refused.value.status == 401 and refused.value.code == "unauthorized"


async def test_a_secret_names_the_admin_or_its_group() -> None:
    db = FakeDb({"_id": "t1", "group": "red", "hash": hash_token("red-secret")})
    assert await principal_of(ADMIN_SECRET, ADMIN_SECRET, db) == ADMIN
    assert await principal_of("red-secret", ADMIN_SECRET, db) == Principal(is_admin=False, group="red", token_id="t1")


@pytest.mark.parametrize(
    ("caller", "group", "sees"),
    [
        (ADMIN, None, True),
        (ADMIN, "red", True),
        (Principal(is_admin=False, group="red"), "red", True),
        (Principal(is_admin=False, group="red"), "blue", False),
        (Principal(is_admin=False, group="red"), None, False),
    ],
)
def test_a_caller_sees_only_its_groups_objects(caller: Principal, group: str | None, sees: bool) -> None:
    assert caller.sees(group) is sees


def test_group_tokens_get_their_group_forced_and_queries_scoped() -> None:
    red = Principal(is_admin=False, group="red")
    assert red.group_for("blue") == "red" and red.group_for(None) == "red"
    assert ADMIN.group_for("blue") == "blue" and ADMIN.group_for(None) is None
    assert red.scope("settings.group") == {"settings.group": "red"}
    assert ADMIN.scope("settings.group") == {}


def test_the_gateway_does_not_start_without_an_admin_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROFILEHUB_ADMIN_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="PROFILEHUB_ADMIN_TOKEN"):
        load_settings()
    monkeypatch.setenv("PROFILEHUB_ADMIN_TOKEN", "too-short")
    with pytest.raises(ConfigurationError, match="at least 16 characters"):
        load_settings()
    monkeypatch.setenv("PROFILEHUB_ADMIN_TOKEN", ADMIN_SECRET)
    assert load_settings().profilehub_admin_token.get_secret_value() == ADMIN_SECRET
