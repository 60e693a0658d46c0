"""The API documentation pages, working without internet access: `/docs` (Swagger UI), `/redoc` (ReDoc), `/` → `/docs`.

FastAPI's own pages load their scripts, styles, favicon and fonts from CDNs, so on a machine without internet they
stay blank. Here the same pages take every asset from the gateway: Swagger UI and ReDoc as the `fastapi-offline`
package ships them (refreshed with each of its releases), served under `/docs/assets`. Swagger UI's online
validator badge (which would send the document to a public service) is off, and ReDoc loads no web fonts. ReDoc's
sidebar still names an image on Redocly's CDN (its "API docs by Redocly" logo, hidden when it fails to load): the
pages' Content-Security-Policy lets them load nothing from anywhere but the gateway, so no browser asks for it.
"""

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
ASSET_FILES = str(files("fastapi_offline") / "static")  # swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js
SWAGGER_UI = "/docs"
REDOC = "/redoc"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
# The pages' inline start-up scripts and the styles both UIs set inline need 'unsafe-inline'; ReDoc runs its search
# in a Web Worker made from a blob. Everything else: the gateway's own origin only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)


def self_contained(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page


def install(app: FastAPI) -> None:
    """Serve the assets and the two pages. Build the app with `docs_url=None, redoc_url=None`."""
    assert app.docs_url is None and app.redoc_url is None, "FastAPI's own pages would load assets from CDNs"
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS, StaticFiles(directory=ASSET_FILES), name="docs-assets")

    def root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")  # behind a proxy that strips a path prefix

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{root(request)}{SWAGGER_UI}", status_code=307)

    @app.get(SWAGGER_UI, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        base = root(request)
        page = get_swagger_ui_html(
            openapi_url=f"{base}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{base}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{base}{ASSETS}/favicon.png",
            oauth2_redirect_url=f"{base}{OAUTH2_REDIRECT}",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )
        return self_contained(page)

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        base = root(request)
        page = get_redoc_html(
            openapi_url=f"{base}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{base}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{base}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
        return self_contained(page)
