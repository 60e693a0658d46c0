"""The subscription manager: the subscriber's own page (public, reached by a signed link) and the link API.

`install(app, settings)` adds both routers and the link signer; without SUBSCRIPTION_MANAGER_SECRET the page
and the API answer 503 saying so (there is no default secret).
"""

from fastapi import FastAPI

from profilehub_shared.settings import ServiceSettings
from profilehub_shared.subscription_links import LinkSigner

from . import links_api, page
from .safety import LinkBudget, redact_access_log


def install(app: FastAPI, settings: ServiceSettings) -> None:
    secret = settings.subscription_manager_secret
    app.state.link_signer = LinkSigner(secret.get_secret_value()) if secret is not None else None
    app.state.link_budget = LinkBudget()
    redact_access_log()
    app.include_router(links_api.router)
    app.include_router(page.router)
