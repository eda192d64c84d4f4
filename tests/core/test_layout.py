"""Every page the menu reaches fits a 1366 px desktop and a 390 px phone, answers without a
server error or a console error, and the menu itself works from the keyboard and on a
phone. Within the test-time budget: the administrator, whose menu holds every page, visits
each one once per width; the other roles the pages whose content is theirs (home, "Da
fare")."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
# Wider than the viewport by more than a rounding pixel is a horizontal scroll bar.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def menu_pages(page) -> list[str]:
    hrefs = page.eval_on_selector_all("#main-menu a[href]", "links => links.map(a => a.pathname)")
    return sorted(set(hrefs) | {"/"})


def visit_all(page, paths, problems, width):
    for path in paths:
        response = page.goto(path)
        status = response.status if response else 0
        if status >= 500 or status == 0:
            problems.append(f"{width} {path}: HTTP {status}")
            continue
        overflow = page.evaluate(OVERFLOW)
        if overflow > 1:
            problems.append(f"{width} {path}: {overflow}px wider than the screen")


@pytest.mark.parametrize("persona", ["admin_user", "approver", "editor", "analyst"])
def test_menu_pages_fit_both_widths_without_errors(request, page, login, persona):
    errors: list[str] = []
    # The test refuses every request beyond the live server (map tiles): not the page's fault.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "net::ERR_FAILED" not in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(request.getfixturevalue(persona))
    paths = menu_pages(page)
    assert "/todo/" in paths
    if persona != "admin_user":
        paths = ["/", "/todo/"]
    problems: list[str] = []
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        visit_all(page, paths, problems, width)
    assert problems == []
    assert errors == []


def test_the_phone_menu_opens_from_the_keyboard_and_leads_to_a_page(page, login, approver):
    page.set_viewport_size({"width": 390, "height": 844})
    login(approver)
    toggle = page.get_by_test_id("menu-toggle")
    assert toggle.is_visible()
    box = toggle.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
    toggle.focus()
    page.keyboard.press("Enter")
    inbox = page.get_by_test_id("inbox-link")
    inbox.wait_for(state="visible")
    # A group opens with the keyboard and its pages are links one Tab away.
    group = page.get_by_test_id("menu-publish")
    group.focus()
    page.keyboard.press("Enter")
    assert group.get_attribute("aria-expanded") == "true"
    calendar = page.locator("#main-menu a[href='/campaigns/calendar/']")
    calendar.wait_for(state="visible")
    calendar.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/campaigns/calendar/")
    # Signing out stays within reach on a phone.
    logout = page.locator("form[action='/accounts/logout/'] button")
    box = logout.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
