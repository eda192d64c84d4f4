"""The campaign pages in a real browser, checked with axe-core for WCAG 2.1 AA."""

from __future__ import annotations

import datetime as dt

import pytest

from quartieri.campaigns.models import Campaign, Variant
from quartieri.campaigns.services import variant_comment_add, variant_reject, variant_submit
from tests.accessibility import axe_violations
from tests.campaigns.conftest import added_length, give_media

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_follows_a_variant_timeline(
    page, login, analyst, item, tiktok, editor, approver, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.IN_REVIEW)
    variant_reject(actor=approver, variant=variant, comment="Aggiungi la data del tour")
    make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.SCHEDULED)
    login(analyst)
    page.goto("/campaigns/")
    assert axe_violations(page) == []
    page.click("text=Milano quartieri spring-summer 2021")
    page.locator('[data-testid="variants"]').wait_for()
    rows = page.locator('[data-testid="variants"] tbody tr')
    assert rows.count() == 2
    assert page.locator("text=Aggiungi la data del tour").is_visible()
    assert axe_violations(page) == []


def test_an_approver_approves_then_schedules_on_the_autumn_fold(
    page, login, approver, item, tiktok, editor, make_variant
):
    Campaign.objects.filter(pk=item.campaign_id).update(end_date=dt.date(2021, 11, 30))
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.IN_REVIEW)
    login(approver)
    page.goto(f"/campaigns/{item.campaign.slug}/")
    assert axe_violations(page) == []
    row = page.locator(f"#variant-{variant.pk}")
    row.locator("button", has_text="Approva").click()
    page.wait_for_load_state()
    row = page.locator(f"#variant-{variant.pk}")
    row.locator(f"#date-{variant.pk}").fill("2021-10-31")
    row.locator(f"#time-{variant.pk}").fill("02:30")
    row.locator(f"#occurrence-{variant.pk}").select_option("first")
    row.locator("button", has_text="Programma").click()
    page.wait_for_load_state()
    assert page.locator('[role="alert"]', has_text="Fatto").is_visible()
    stored = Variant.objects.get(pk=variant.pk)
    assert stored.status == Variant.Status.SCHEDULED
    assert stored.scheduled_at == dt.datetime(2021, 10, 31, 0, 30, tzinfo=dt.UTC)
    assert axe_violations(page) == []


def test_the_editor_counts_and_redraws_the_preview_as_one_types(
    page, login, editor, approver, item, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor)
    give_media(variant)  # a video post needs its video: the one failure left is the caption
    login(editor)
    page.goto(f"/campaigns/variants/{variant.pk}/edit/")
    assert axe_violations(page) == []
    room = 2200 - added_length(tiktok)  # TikTok's 2,200 less the outbox's marker line
    caption = "a" * (room - 1) + "🌆"  # one UTF-16 unit over the room
    page.fill("#id_caption", caption)
    counter = page.locator('#writing-counters li[data-field="caption"]')
    counter.and_(page.locator("[data-over]")).wait_for()
    # Italian grouping, the server's count
    assert f"{room + 1:,} / {room:,}".replace(",", ".") in counter.inner_text()
    assert page.locator('[data-testid="live-failures"] li').count() == 1
    assert "a" * 50 in page.locator("#preview-live").inner_text()  # redrawn, cut at the fold
    # Nothing was saved by checking.
    assert Variant.objects.get(pk=variant.pk).caption == "Baggio, slow"
    # The review page, the queue and the notifications: readable by everyone (WCAG 2.1 AA).
    variant = variant_submit(actor=editor, variant=variant)
    variant_comment_add(actor=approver, variant=variant, body="@marco accorcia, grazie")
    for url in (
        f"/campaigns/variants/{variant.pk}/review/",
        "/campaigns/variants/review/",
        "/notifications/",
        f"/campaigns/{item.campaign.slug}/media/",
    ):
        page.goto(url)
        assert axe_violations(page) == [], url
    assert page.locator('[data-testid="bell-count"]').inner_text() == "1"
