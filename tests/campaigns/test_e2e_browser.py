"""Issue 5's "Done when", end to end in Chromium: an editor drafts in the browser, an
approver approves and schedules, the calendar shows the post at its time.

The campaign runs around today and the real clock is used (no 2021 clock here), so the
posting time is in the future as the rule against past times requires. axe-core checks
every page the forms added (WCAG 2.1 AA).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from quartieri.campaigns.media import media_upload
from quartieri.campaigns.models import Campaign, Variant
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.publishing.models import OutboxEntry
from tests.accessibility import axe_violations
from tests.campaigns.conftest import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MASTER_IT = (
    "Isola apre le botteghe degli artigiani: un sabato tra laboratori e cortili.\n\n"
    "#Isola #botteghe #quartieri #Milano #artigiani #sabato"
)


@pytest.fixture
def campaign_clock():
    """The real clock: this campaign runs now, not in 2021 (overrides conftest's)."""


@pytest.fixture
def live_campaign(db: None) -> Campaign:
    today = timezone.localdate()
    return Campaign.objects.create(
        name="Milano quartieri (live)",
        slug="milano-quartieri-live",
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=30),
        status=Campaign.Status.ACTIVE,
    )


@pytest.fixture
def yesmilano(editor, approver) -> ChannelAccount:
    account = ChannelAccount.objects.create(
        platform=Platform.INSTAGRAM, handle="@yesmilano", posting_slots=["10:00", "18:00"]
    )
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    return account


def _submit(page, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state()


def _editor_drafts(page, campaign: Campaign, account: ChannelAccount) -> Variant:
    page.goto(f"/campaigns/{campaign.slug}/")
    _submit(page, '[data-testid="item-create-link"]')
    assert axe_violations(page) == []  # the new content item form
    page.fill("#id_title", "Isola, le botteghe")
    page.fill("#id_master_text_it", MASTER_IT)
    page.fill("#id_master_text_en", "Isola opens its workshops. #Isola")
    _submit(page, '[data-testid="item-form"] button[type=submit]')
    assert axe_violations(page) == []  # the item page with its generate form
    # Bootstrap Italia draws the checkbox on its label, which is what a person clicks.
    page.locator('[data-testid="generate-form"] label', has_text=account.handle).click()
    assert page.is_checked(f'[data-testid="generate-form"] input[value="{account.pk}"]')
    _submit(page, '[data-testid="generate-form"] button[type=submit]')
    _submit(page, '[data-testid="item-variants"] [data-testid="variant-edit-link"]')
    variant = Variant.objects.get(account=account)
    # Six hashtags: over Instagram's five, shown next to the field before anything else.
    assert "6 hashtag, limite 5 (Instagram)" in page.inner_text('[data-testid="rules-hashtags"]')
    assert axe_violations(page) == []  # the variant form with a rule failure
    page.fill("#id_hashtags", "#Isola #botteghe #quartieri")
    page.fill("#id_link", "https://www.yesmilano.it/quartieri/isola")
    _submit(page, '[data-testid="variant-form"] button[type=submit]')
    # A feed post without its image: the page says so (submit would refuse it), until the
    # editor gives it one (the media page's service; its own browser test drives the form).
    assert "0 file multimediali, almeno 1" in page.content()
    media_upload(
        actor=variant.drafted_by,
        content_item=variant.content_item,
        file=SimpleUploadedFile("isola.jpg", image_bytes(), "image/jpeg"),
        alt_text="Una bottega di Isola",
        variants=[variant],
    )
    page.reload()
    assert page.locator('[data-testid="rules-ok"]').is_visible()
    assert axe_violations(page) == []  # the variant form, valid
    page.goto(f"/campaigns/{campaign.slug}/")
    _submit(page, f'#variant-{variant.pk} form[action$="/submit/"] button')
    return variant


def _log_out(page) -> None:
    _submit(page, 'form[action="/accounts/logout/"] button')


def test_editor_drafts_approver_approves_and_schedules_calendar_shows_it(
    page, login, editor, approver, live_campaign, yesmilano, settings
):
    # The post's link goes out as a tracked link: the city's tourism site is an allowed one.
    settings.LINK_ALLOWED_DOMAINS = ["yesmilano.it"]
    login(editor)
    variant = _editor_drafts(page, live_campaign, yesmilano)
    assert Variant.objects.get(pk=variant.pk).status == Variant.Status.IN_REVIEW
    _log_out(page)

    login(approver)
    page.goto(f"/campaigns/{live_campaign.slug}/")
    row = f"#variant-{variant.pk}"
    _submit(page, f'{row} form[action$="/approve/"] button')
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.fill(f"#date-{variant.pk}", tomorrow.isoformat())
    page.fill(f"#time-{variant.pk}", "10:00")
    _submit(page, f'{row} form[action$="/schedule/"] button')

    stored = Variant.objects.get(pk=variant.pk)
    assert stored.status == Variant.Status.SCHEDULED
    local = timezone.localtime(stored.scheduled_at)
    assert (local.date(), local.time()) == (tomorrow, dt.time(10, 0))
    assert OutboxEntry.objects.get(variant=stored).due_at == stored.scheduled_at
    assert [step.action for step in stored.transitions.all()] == [
        "create",
        "submit",
        "approve",
        "schedule",
    ]
    assert (stored.drafted_by, stored.last_edited_by) == (editor, editor)

    page.goto(f"/campaigns/calendar/?date={tomorrow.isoformat()}&campaign={live_campaign.pk}")
    entry = page.locator(f"#entry-{variant.pk}")
    assert "cal-status-scheduled" in (entry.get_attribute("class") or "")
    assert entry.locator("time").inner_text() == "10:00"
    assert (entry.locator("time").get_attribute("datetime") or "").startswith(
        f"{tomorrow.isoformat()}T10:00:00"
    )


def test_an_approver_creates_a_campaign_through_the_form(page, login, approver):
    login(approver)
    page.goto("/campaigns/")
    _submit(page, '[data-testid="campaign-create-link"]')
    assert axe_violations(page) == []
    page.fill("#id_name", "Quartieri d'autunno Città Studi")
    # forms.js fills the slug from the name until the person types one.
    assert page.input_value("#id_slug") == "quartieri-dautunno-citta-studi"
    page.fill("#id_start_date", "2030-11-30")
    page.fill("#id_end_date", "2030-10-01")
    _submit(page, '[data-testid="campaign-form"] button[type=submit]')
    assert page.locator("#id_end_date_error").is_visible()
    assert page.input_value("#id_name") == "Quartieri d'autunno Città Studi"
    assert axe_violations(page) == []  # the form showing its errors
    page.fill("#id_start_date", "2030-10-01")
    page.fill("#id_end_date", "2030-11-30")
    _submit(page, '[data-testid="campaign-form"] button[type=submit]')
    assert page.url.endswith("/campaigns/quartieri-dautunno-citta-studi/")
    _submit(page, '[data-testid="campaign-edit-link"]')
    assert page.input_value("#id_start_date") == "2030-10-01"
    assert axe_violations(page) == []


def test_the_item_form_offers_only_the_chosen_neighbourhoods_tours(page, login, editor, item):
    from quartieri.places.models import Neighbourhood, Tour

    def neighbourhood(code: str, name: str) -> Neighbourhood:
        return Neighbourhood.objects.create(
            code=code,
            slug=name.lower(),
            name_it=name,
            geometry={"type": "Polygon", "coordinates": []},
            centroid_lat=45.46,
            centroid_lon=9.09,
            area_m2=1.0,
        )

    baggio, isola = neighbourhood("55", "Baggio"), neighbourhood("11", "Isola")
    Tour.objects.create(neighbourhood=baggio, slug="cave", title_it="Cave", theme="nature")
    Tour.objects.create(neighbourhood=isola, slug="botteghe", title_it="Botteghe", theme="food")
    login(editor)
    page.goto(f"/campaigns/items/{item.pk}/edit/")
    assert page.locator('#id_tour optgroup[label="Baggio"]').is_enabled()
    # The neighbourhood is picked in its combobox (core/combobox.js): the hidden select it
    # fills tells forms.js which tours to offer.
    box = page.get_by_role("combobox", name="Quartiere")
    box.fill("isol")
    box.press("ArrowDown")
    box.press("Enter")
    assert box.input_value() == "Isola"
    assert page.locator("#id_neighbourhood").input_value() == str(isola.pk)
    assert page.locator('#id_tour optgroup[label="Baggio"]').is_hidden()
    assert page.locator('#id_tour optgroup[label="Isola"] option').is_enabled()
    assert axe_violations(page) == []
