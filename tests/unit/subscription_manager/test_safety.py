"""The page's safeguards: a request budget per link, CSRF tokens bound to cookie and link, no tokens in logs."""

import logging

from gateway_service.subscription_manager.safety import LinkBudget, RedactLinkTokens, csrf_ok, csrf_token


def test_each_link_has_its_own_budget_that_refills() -> None:
    budget = LinkBudget(limit=3, window=60)
    assert [budget.allow("a", now=0) for _ in range(4)] == [True, True, True, False]
    assert budget.allow("b", now=0)
    assert budget.allow("a", now=60.5)


def test_the_csrf_token_is_bound_to_the_cookie_and_the_link() -> None:
    token = csrf_token("cookie", "link")
    assert csrf_ok("cookie", "link", token)
    assert not csrf_ok("other", "link", token)
    assert not csrf_ok("cookie", "other-link", token)
    assert not csrf_ok(None, "link", token) and not csrf_ok("cookie", "link", None)


def test_access_logs_never_show_a_link_token() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/s/eyJk.c2ln?done=saved", "1.1", 200), None,
    )  # fmt: skip
    assert RedactLinkTokens().filter(record)
    assert record.getMessage() == '127.0.0.1:1 - "GET /s/<link>?done=saved HTTP/1.1" 200'
    css = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, "%s %s %s", ("c", "GET", "/s/assets/page.css"), None)
    RedactLinkTokens().filter(css)
    assert css.getMessage() == "c GET /s/assets/page.css"
