"""Without SUBSCRIPTION_MANAGER_SECRET there is no default: the link API and the page say what is missing."""

from fastapi.testclient import TestClient

from gateway_service.app import create_app
from gateway_service.settings import Settings

ADMIN = "an-admin-token-of-some-length"


def client() -> TestClient:
    app = create_app(Settings(profilehub_admin_token=ADMIN, subscription_manager_secret=None))
    app.state.db = None  # not reached: the missing setting is reported first (no lifespan here)
    return TestClient(app)


def test_minting_a_link_answers_503_naming_the_setting() -> None:
    answer = client().post(
        "/api/v1/databases/db1/profiles/p1/subscription-manager-link", headers={"Authorization": f"Bearer {ADMIN}"}
    )
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "not_configured"
    assert "SUBSCRIPTION_MANAGER_SECRET is not set" in answer.json()["error"]["message"]


def test_the_page_answers_503_with_safe_headers() -> None:
    answer = client().get("/s/anything.at-all")
    assert answer.status_code == 503
    assert "This page is not available" in answer.text
    assert answer.headers["cache-control"].startswith("no-store")
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")


def test_the_stylesheet_is_served_locally() -> None:
    answer = client().get("/s/assets/page.css")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
