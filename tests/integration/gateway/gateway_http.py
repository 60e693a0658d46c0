"""Helpers of the gateway's end-to-end tests (imported by name: this folder is on sys.path under pytest)."""

import secrets
import uuid
from typing import Any

ADMIN_TOKEN = "test-admin-" + secrets.token_urlsafe(16)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def database_body(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "subscription_manager": {"title": "Newsletter", "language": "en"},
        "email_settings": {"from_name": "Shop", "from_email": "news@shop.example"},
        **extra,
    }
