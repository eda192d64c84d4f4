"""At 1366 px (issue 20, point 2): the variants table shows its actions column without a
horizontal scroll, the variant form's heading overlaps no label, and the menu's labels sit
on one line. Each is measured from the elements' boxes in Chromium."""

from __future__ import annotations

import pytest

from quartieri.campaigns.models import Variant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Boxes that intersect (by more than a rounding pixel), as [heading, label] texts.
OVERLAPS = """(form) => {
  const boxes = (sel) => [...document.querySelectorAll(sel)].filter((e) => e.offsetParent)
    .map((e) => [e.textContent.trim().slice(0, 40), e.getBoundingClientRect()]);
  const headings = boxes("main h1, main h2, main h3, main legend");
  const labels = boxes("main label");
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  return headings.flatMap(([h, hb]) => labels.filter(([, lb]) => hit(hb, lb)).map(([l]) => [h, l]));
}"""
# Menu entries whose label wraps onto a second line.
WRAPPED = """() => [...document.querySelectorAll('#main-menu .navbar-nav > li > .nav-link')]
  .filter((e) => {
    const line = parseFloat(getComputedStyle(e).lineHeight) || 24;
    const text = e.querySelector('span') || e;
    return text.getBoundingClientRect().height > line * 1.5;
  }).map((e) => e.textContent.trim())"""


def test_campaign_page_and_variant_form_fit_1366(
    page, login, approver, item, tiktok, editor, make_variant
):
    for status in (Variant.Status.DRAFT, Variant.Status.IN_REVIEW, Variant.Status.APPROVED):
        variant = make_variant(item=item, account=tiktok, by=editor, status=status)
    page.set_viewport_size({"width": 1366, "height": 768})
    login(approver)
    page.goto(f"/campaigns/{item.campaign.slug}/")
    assert page.evaluate(WRAPPED) == []
    table = page.locator('[data-testid="variants"]')
    last = table.locator("thead th").last
    box = last.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1366, "the actions column is cut off"
    scroll = table.evaluate(
        "t => { const s = t.closest('.table-responsive') || t.parentElement;"
        " return s.scrollWidth - s.clientWidth; }"
    )
    assert scroll <= 1, f"the variants table scrolls sideways by {scroll}px"
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 1
    page.goto(f"/campaigns/variants/{variant.pk}/edit/")
    assert page.evaluate(OVERLAPS, None) == []
