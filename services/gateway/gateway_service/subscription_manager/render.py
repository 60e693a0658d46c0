"""Rendering the subscriber's pages: Jinja2 templates with the database language's catalog, safe headers."""

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .i18n import FALLBACK, shipped_languages, translations
from .safety import SECURITY_HEADERS

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["day"] = lambda at: format_date(at, "long", locale=language) if isinstance(at, datetime) else ""
    return env


def page_language(language: str | None) -> str:
    return language if language in shipped_languages() else FALLBACK


def render(template: str, language: str | None, status: int = 200, **context: Any) -> HTMLResponse:
    """The page `template` in `language` (English without its catalog), with the page's security headers."""
    lang = page_language(language)
    html = environment(lang).get_template(template).render(language=lang, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def gettext(language: str | None, message: str, **values: Any) -> str:
    text = translations(page_language(language)).gettext(message)
    return text % values if values else text
