"""A person signs in with each role in a real browser (Debian's Chromium) and sees what
that role may see; the pages pass axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import pytest

from tests.accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("persona", "sees_admin_entries"),
    [
        pytest.param("admin_user", True, id="admin_case"),
        pytest.param("approver", False, id="approver_case"),
        pytest.param("editor", False, id="editor_case"),
        pytest.param("analyst", False, id="analyst_case"),
    ],
)
def test_each_role_signs_in_and_sees_its_menu(request, page, login, persona, sees_admin_entries):
    user = request.getfixturevalue(persona)
    login(user)
    assert page.url.endswith("/")
    signed_in = page.get_by_test_id("signed-in-as").inner_text()
    assert user.username in signed_in
    menu = page.locator("#main-navigation")
    assert (menu.get_by_text("Registro modifiche").count() == 1) is sees_admin_entries
    # What the menu hides, the server refuses too
    status = page.request.get("/accounts/audit/").status
    assert status == (200 if sees_admin_entries else 403)
    assert axe_violations(page) == []


def test_the_login_page_is_accessible_and_switches_to_english(page, editor):
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "it"
    assert axe_violations(page) == []
    page.select_option("#language-select", "en")
    page.wait_for_load_state()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("heading", name="Sign in").count() == 1


def test_a_wrong_password_shows_an_error_the_screen_reader_announces(page, editor):
    page.goto("/accounts/login/")
    page.fill("#id_username", "marco")
    page.fill("#id_password", "wrong")
    page.click("#login-form button[type=submit]")
    alert = page.get_by_role("alert")
    assert "5" in alert.inner_text()
    assert axe_violations(page) == []
