"""Every message the pages show is translated in every shipped language, with the same placeholders."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from gateway_service.subscription_manager import i18n
from gateway_service.subscription_manager.render import render

PACKAGE = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def used_messages() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = extract_from_dir(str(PACKAGE), method_map, options, keywords={"_": None, "N_": None, "gettext": None})
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_en_and_ru_are_shipped() -> None:
    assert {"en", "ru"} <= set(i18n.shipped_languages())


@pytest.mark.parametrize("language", i18n.shipped_languages())
def test_the_catalog_is_complete(language: str) -> None:
    with (PACKAGE / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {m.id: m.string for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    used = used_messages()
    assert len(used) > 50
    assert sorted(used - set(translated)) == []
    for msgid, text in translated.items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(str(text))), msgid


def test_every_standard_label_is_a_message() -> None:
    assert set(i18n.STANDARD_LABELS.values()) <= used_messages()


def test_a_russian_page_speaks_russian_and_an_unshipped_language_english() -> None:
    ru = render("message.html", "ru", 410, reason="expired").body.decode()
    assert 'lang="ru"' in ru and "Срок действия ссылки истёк" in ru
    de = render("message.html", "de", 410, reason="expired").body.decode()
    assert 'lang="en"' in de and "This link has expired" in de
