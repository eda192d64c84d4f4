"""What every page served to a person must have: CSP without inline script, both languages,
error pages in both languages, security headers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client


class ScriptCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[dict[str, str | None]] = []
        self.inline_styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if (
            tag == "script"
            and "src" not in attributes
            and attributes.get("type") != "application/json"
        ):
            self.inline_scripts.append(attributes)
        if tag == "style" or "style" in attributes:
            self.inline_styles += 1
        if any(name.startswith("on") for name in attributes):
            self.inline_scripts.append(attributes)


PAGES = ["/", "/accounts/audit/", "/accounts/users/", "/accounts/password/"]
PUBLIC_PAGES = ["/accounts/login/", "/accounts/password-reset/", "/accessibility/", "/privacy/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES + PUBLIC_PAGES)
def test_pages_carry_a_strict_csp_and_no_inline_script_or_style(client_for, admin_user, path):
    client = Client() if path in PUBLIC_PAGES else client_for(admin_user)
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    collector = ScriptCollector()
    collector.feed(response.content.decode())
    assert collector.inline_scripts == []
    assert collector.inline_styles == 0


@pytest.mark.django_db
def test_italian_is_the_default_and_english_is_one_click_away():
    client = Client()
    italian = client.get("/accounts/login/").content.decode()
    assert '<html lang="it">' in italian
    assert "Accedi" in italian
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    english = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in english
    assert "Sign in" in english


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"), [("it", "Pagina non trovata"), ("en", "Page not found")]
)
def test_error_pages_speak_both_languages(client_for, editor, language, text):
    client = client_for(editor)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert text in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "text"), [("it", "Non consentito"), ("en", "Not allowed")])
def test_the_forbidden_page_says_why_in_both_languages(client_for, editor, language, text):
    client = client_for(editor)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get("/accounts/audit/")
    assert response.status_code == 403
    assert text in response.content.decode()


def test_bootstrap_italia_is_self_hosted_and_keeps_its_version_variable():
    from django.contrib.staticfiles import finders

    css = finders.find("vendor/bootstrap-italia/css/bootstrap-italia.min.css")
    assert css is not None
    with open(css, encoding="utf-8") as handle:
        assert "--bootstrap-italia-version: '2.18" in handle.read()
