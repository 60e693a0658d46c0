"""The subscription manager in a real browser, on the running system: a subscriber opens the link from a message,
mends a field, unsubscribes from one channel, pauses another; a tampered link gets an error page; a Russian
database speaks Russian; a double opt-in is confirmed; a revoked link stops working. After each step the profile
and its history are checked through the API. Screenshots of each page go to the test's temporary folder."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page

from tests.e2e.importing import finished
from tests.e2e.subscriber_browser import chromium
from tests.e2e.system import RunningSystem

FIELDS = [
    {"name": "age", "title": "Age", "type": "number", "show_in_subscription_manager": True},
    {"name": "plan", "title": "Plan", "type": "enum", "options": ["free", "pro"], "show_in_subscription_manager": True},
    {"name": "topics", "title": "Topics", "type": "tags", "show_in_subscription_manager": True},
    {"name": "vip", "title": "VIP club", "type": "boolean", "show_in_subscription_manager": True},
    {"name": "notes", "title": "Internal notes", "type": "line"},
]


async def seeded(api: httpx.AsyncClient, title: str, language: str, status: str = "subscribed") -> dict[str, str]:
    resource = await api.post(
        "/resources", json={"name": f"Weekly news {uuid.uuid4().hex[:4]}", "channels": ["email", "sms"]}
    )
    assert resource.status_code == 201, resource.text
    res = resource.json()["id"]
    created = await api.post(
        "/databases",
        json={
            "name": f"sm-{uuid.uuid4().hex[:8]}",
            "subscription_manager": {"title": title, "language": language},
            "email_settings": {"from_name": "Shop", "from_email": "news@shop.example"},
            "resource_ids": [res],
        },
    )
    assert created.status_code == 201, created.text
    db = created.json()["id"]
    for field in FIELDS:
        added = await api.post(f"/databases/{db}/fields", json=field)
        assert added.status_code == 201, added.text
    shown = await api.put(f"/databases/{db}/standard-fields/first_name", json={"show_in_subscription_manager": True})
    assert shown.status_code == 200, shown.text
    record = {
        "email": "ann@shop.example", "first_name": "Ann", "age": 41, "plan": "free", "topics": ["shoes"],
        "notes": "likes red",
        "subscriptions": [
            {"resource_id": res, "channel": "email", "status": status},
            {"resource_id": res, "channel": "sms", "status": "subscribed"},
        ],
    }  # fmt: skip
    put = await api.put(f"/databases/{db}/profiles", json={"record": record})
    assert put.status_code == 200, put.text
    return {"db": db, "res": res, "pid": put.json()["profile"]["profile_id"]}


async def profile(api: httpx.AsyncClient, s: dict[str, str]) -> dict[str, Any]:
    got = await api.get(f"/databases/{s['db']}/profiles/{s['pid']}")
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def subscription(p: dict[str, Any], s: dict[str, str], channel: str) -> dict[str, Any]:
    return next(x for x in p["subscriptions"] if (x["resource_id"], x["channel"]) == (s["res"], channel))


async def manager_history(api: httpx.AsyncClient, s: dict[str, str], count: int) -> list[dict[str, Any]]:
    """The profile's history entries written by the subscription manager, once there are `count` of them."""
    entries: list[dict[str, Any]] = []
    async with asyncio.timeout(30):
        while True:
            got = await api.get(f"/databases/{s['db']}/profiles/{s['pid']}/history")
            assert got.status_code == 200, got.text
            entries = [e for e in got.json()["items"] if payload(e).get("source") == "subscription_manager"]
            if len(entries) >= count:
                return entries
            await asyncio.sleep(0.3)


def payload(entry: dict[str, Any]) -> dict[str, Any]:
    value = entry.get("payload") or {}
    return json.loads(value) if isinstance(value, str) else value


def changed_fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {c["field"]: c["new"] for c in payload(entry)["changes"]}


async def mint(api: httpx.AsyncClient, s: dict[str, str]) -> str:
    minted = await api.post(f"/databases/{s['db']}/profiles/{s['pid']}/subscription-manager-link")
    assert minted.status_code == 200, minted.text
    expires = datetime.fromisoformat(minted.json()["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    return minted.json()["url"]  # type: ignore[no-any-return]


async def shot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"subscription-manager-{name}.png"), full_page=True)


async def test_a_subscriber_manages_their_subscriptions_in_a_browser(
    system: RunningSystem, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    s = await seeded(api, "Ann's Shop — newsletter settings", "en")
    url = await mint(api, s)
    assert url.startswith(f"{system.url}/s/")
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 420, "height": 900})

        # The page: the database's title, in its language, the flagged fields pre-filled, not the others.
        opened = await page.goto(url)
        assert opened is not None and opened.status == 200
        assert opened.headers["cache-control"].startswith("no-store")
        assert "default-src 'none'" in opened.headers["content-security-policy"]
        assert await page.locator("h1").inner_text() == "Ann's Shop — newsletter settings"
        assert await page.locator("html").get_attribute("lang") == "en"
        assert await page.get_by_label("Age").input_value() == "41"
        assert await page.get_by_label("First name").input_value() == "Ann"
        assert await page.get_by_label("Plan").input_value() == "free"
        assert await page.get_by_label("Internal notes").count() == 0
        await shot(page, tmp_path, "page")

        # An invalid value: the error next to its field, nothing written.
        await page.get_by_label("Age").fill("12.5")
        await page.get_by_role("button", name="Save").click()
        assert await page.locator("#field-age-error").inner_text() == "⚠ Enter a whole number, such as 42." or (
            "Enter a whole number" in await page.locator("#field-age-error").inner_text()
        )
        assert await page.get_by_label("Age").get_attribute("aria-invalid") == "true"
        await shot(page, tmp_path, "error")
        assert (await profile(api, s))["fields"]["age"] == 41

        # A valid value: saved by the importer, in the history with source subscription_manager.
        await page.get_by_label("Age").fill("42")
        await page.get_by_label("Plan").select_option("pro")
        await page.get_by_label("VIP club").check()
        await page.get_by_role("button", name="Save").click()
        assert await page.get_by_role("status").inner_text() == "Your details are saved."
        p = await profile(api, s)
        assert p["fields"] == {"age": 42, "plan": "pro", "vip": True, "topics": ["shoes"], "notes": "likes red"}
        [saved] = await manager_history(api, s, 1)
        assert changed_fields(saved) == {"fields.age": 42, "fields.plan": "pro", "fields.vip": True}

        # Unsubscribe from one channel: that one only.
        await page.locator(f"#subscription-{s['res']}-sms").get_by_role("button", name="Unsubscribe").click()
        assert await page.get_by_role("status").inner_text() == "You are unsubscribed."
        p = await profile(api, s)
        assert subscription(p, s, "sms")["status"] == "unsubscribed"
        assert subscription(p, s, "email")["status"] == "subscribed"
        await manager_history(api, s, 2)

        # Pause the other for 30 days.
        email = page.locator(f"#subscription-{s['res']}-email")
        await email.get_by_label("Pause for").select_option("30")
        await email.get_by_role("button", name="Pause").click()
        assert await page.get_by_role("status").inner_text() == "Your subscription is paused."
        assert "Paused — until" in await email.locator(".status").inner_text()
        await shot(page, tmp_path, "suspended")
        sub = subscription(await profile(api, s), s, "email")
        until = datetime.fromisoformat(sub["suspended_until"]).replace(tzinfo=UTC)
        assert sub["status"] == "suspended"
        assert timedelta(days=29, hours=23) < until - datetime.now(UTC) <= timedelta(days=30)
        entries = await manager_history(api, s, 3)
        assert [subscription({"subscriptions": changed_fields(e)["subscriptions"]}, s, "email")["status"]
                for e in entries[1:]] == ["subscribed", "suspended"]  # fmt: skip

        # Back to one channel, then away from all of them.
        await page.locator(f"#subscription-{s['res']}-sms").get_by_role("button", name="Subscribe again").click()
        assert await page.get_by_role("status").inner_text() == "You are subscribed again."
        assert subscription(await profile(api, s), s, "sms")["status"] == "subscribed"
        await page.get_by_role("button", name="Unsubscribe from all").click()
        assert await page.get_by_role("status").inner_text() == "You are unsubscribed from all messages."
        p = await profile(api, s)
        assert [subscription(p, s, c)["status"] for c in ("email", "sms")] == ["unsubscribed", "unsubscribed"]
        assert "suspended_until" not in subscription(p, s, "email")
        assert len(await manager_history(api, s, 5)) == 5

        # A tampered link: an error page, no data of anyone.
        body, signature = url.rsplit("/", 1)[1].split(".")
        tampered = f"{system.url}/s/{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{signature}"
        opened = await page.goto(tampered)
        assert opened is not None and opened.status == 403
        assert await page.locator("h1").inner_text() == "This link is not valid"
        assert "ann@shop.example" not in await page.content() and "Ann" not in await page.content()
        await shot(page, tmp_path, "invalid-link")
        assert len(await manager_history(api, s, 5)) == 5  # the refused link changed nothing

        # Revoked: every link minted before stops working.
        assert (
            await api.post(f"/databases/{s['db']}/profiles/{s['pid']}/subscription-manager-link/revoke")
        ).status_code == 204
        opened = await page.goto(url)
        assert opened is not None and opened.status == 410
        assert await page.locator("h1").inner_text() == "This link is no longer valid"
        assert (await page.goto(await mint(api, s))).status == 200  # type: ignore[union-attr]

        # The export column: one fresh link per profile, for a mailer to merge into its messages.
        [row] = await exported(api, s["db"], ["profile_id", "subscription_manager_url"])
        assert row["profile_id"] == s["pid"]
        opened = await page.goto(row["subscription_manager_url"])
        assert opened is not None and opened.status == 200
        assert await page.locator("h1").inner_text() == "Ann's Shop — newsletter settings"


async def exported(api: httpx.AsyncClient, db: str, fields: list[str]) -> list[dict[str, Any]]:
    started = await api.post(f"/databases/{db}/exports", json={"fields": fields, "format": "jsonl"})
    assert started.status_code == 202, started.text
    job = await finished(api, started.json()["id"], timeout=60)
    assert job["status"] == "done", job
    download = await api.get(job["result_url"].removeprefix("/api/v1"))
    assert download.status_code == 200, download.text
    return [json.loads(line) for line in download.text.splitlines()]


async def test_a_russian_database_and_a_double_opt_in(api: httpx.AsyncClient, tmp_path: Path) -> None:
    s = await seeded(api, "Новости магазина", "ru", status="unconfirmed")
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 420, "height": 900})
        opened = await page.goto(await mint(api, s))
        assert opened is not None and opened.status == 200
        assert await page.locator("html").get_attribute("lang") == "ru"
        assert await page.locator("h1").inner_text() == "Новости магазина"
        assert await page.get_by_role("heading", name="Ваши подписки").count() == 1
        assert await page.get_by_label("Имя").input_value() == "Ann"
        assert (
            await page.locator(f"#subscription-{s['res']}-email .status").inner_text() == "Ожидает вашего подтверждения"
        )
        await page.get_by_label("Age").fill("40.5")
        await page.get_by_role("button", name="Сохранить").click()
        assert "Введите целое число" in await page.locator("#field-age-error").inner_text()
        await shot(page, tmp_path, "page-ru")

        minted = await api.post(
            f"/databases/{s['db']}/profiles/{s['pid']}/subscription-confirm-link",
            json={"resource_id": s["res"], "channel": "email"},
        )
        assert minted.status_code == 200, minted.text
        confirm_url = minted.json()["url"]
        assert "/confirm/" in confirm_url
        opened = await page.goto(confirm_url)  # opening it changes nothing (mail scanners open links)
        assert opened is not None and opened.status == 200
        assert subscription(await profile(api, s), s, "email")["status"] == "unconfirmed"
        await shot(page, tmp_path, "confirm")
        await page.get_by_role("button", name="Подтвердить подписку").click()
        assert await page.get_by_role("status").inner_text() == "Ваша подписка подтверждена. Спасибо!"
        sub = subscription(await profile(api, s), s, "email")
        assert sub["status"] == "subscribed"
        assert sub["confirmation_source"] == "confirm_link" and sub["confirmed_at"]
        [confirmed] = await manager_history(api, s, 1)
        assert "subscriptions" in changed_fields(confirmed)

        # The manage link cannot confirm, and a confirm link cannot manage.
        opened = await page.goto(confirm_url.replace("/confirm/", "/s/"))
        assert opened is not None and opened.status == 403
        assert await page.locator("h1").inner_text() == "Эта ссылка недействительна"


async def test_forged_posts_floods_and_expired_links_are_refused(system: RunningSystem, api: httpx.AsyncClient) -> None:
    s = await seeded(api, "News", "en")
    url = await mint(api, s)
    async with httpx.AsyncClient(timeout=30) as browser:
        page = await browser.get(url)
        assert page.status_code == 200
        assert page.headers["referrer-policy"] == "no-referrer" and page.headers["x-frame-options"] == "DENY"
        body = page.text.split("<body>")[1]
        assert "<script" not in page.text.lower() and "http" not in body, body  # nothing external
        # A form posted from elsewhere has no token bound to this browser's cookie: refused, nothing written.
        forged = await browser.post(url, data={"action": "unsubscribe_all", "csrf": "0" * 64})
        assert forged.status_code == 403 and "This form has expired" in forged.text
        assert subscription(await profile(api, s), s, "email")["status"] == "subscribed"

        flood = [(await browser.get(url)).status_code for _ in range(70)]
        assert 429 in flood and "Too many requests" in (await browser.get(url)).text

    bulk = await api.post(
        f"/databases/{s['db']}/subscription-manager-links", json={"profile_ids": [s["pid"], "nobody"]}
    )
    assert bulk.status_code == 200, bulk.text
    assert [i["profile_id"] for i in bulk.json()["items"]] == [s["pid"]] and bulk.json()["missing"] == ["nobody"]

    short = await api.post(f"/databases/{s['db']}/profiles/{s['pid']}/subscription-manager-link", json={"days": 1e-5})
    assert short.status_code == 200, short.text
    await asyncio.sleep(2)
    async with httpx.AsyncClient(timeout=30) as browser:
        expired = await browser.get(short.json()["url"])
    assert expired.status_code == 410 and "This link has expired" in expired.text

    wrong = await api.post(
        f"/databases/{s['db']}/profiles/{s['pid']}/subscription-confirm-link",
        json={"resource_id": "x", "channel": "email"},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["code"] == "unknown_resource"
    missing = await api.post(f"/databases/{s['db']}/profiles/nobody/subscription-manager-link")
    assert missing.status_code == 404
