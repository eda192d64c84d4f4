"""The editorial calendar: who sees and moves what, filters, clock changes, spacing, queries."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quartieri.campaigns.calendar import MONTH_DAY_LIMIT
from quartieri.campaigns.models import Campaign, ContentItem, Transition, Variant
from quartieri.campaigns.selectors import calendar_spacing_warnings
from quartieri.campaigns.services import variant_schedule
from quartieri.channels.models import AccountGrant
from quartieri.places.models import Neighbourhood
from tests.accessibility import axe_violations
from tests.campaigns.conftest import IN_WINDOW, Unchanged

S = Variant.Status
CALENDAR = "/campaigns/calendar/"
MAY = {"date": "2021-05-01"}


def english(client):
    # Staff pages default to Italian; these tests read the English msgids.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def reschedule(client, variant, *, json=False, **data):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    url = reverse("campaigns:calendar_reschedule", args=[variant.pk])
    return client.post(url, data, **headers)


@pytest.fixture
def scheduled(item, tiktok, editor, make_variant) -> Variant:
    return make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)


def test_the_calendar_url_is_not_taken_for_a_campaign_slug():
    assert reverse("campaigns:calendar") == CALENDAR


def test_the_calendar_needs_sign_in(client, campaign):
    assert client.get(CALENDAR).status_code == 302


@pytest.mark.parametrize(
    ("persona", "may_move"),
    [("admin_user", False), ("approver", True), ("editor", False), ("analyst", False)],
)
def test_each_role_sees_the_month_and_only_a_publisher_gets_the_form(
    request, client_for, scheduled, persona, may_move
):
    # Giulia (approver) holds can_publish on the TikTok account; Marco (editor) only drafts;
    # Anna (admin) has every capability but no grant on this account.
    user = request.getfixturevalue(persona)
    response = english(client_for(user)).get(CALENDAR, MAY)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="entry-{scheduled.pk}"' in html
    assert 'data-day="2021-05-15"' in html
    assert "10:00" in html
    assert "TikTok @comunedimilano" in html
    assert "Scheduled" in html
    reschedule_url = reverse("campaigns:calendar_reschedule", args=[scheduled.pk])
    assert (reschedule_url in html) is may_move


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_every_view_shows_the_entry_with_time_account_excerpt_and_status(
    client_for, analyst, scheduled, view
):
    html = english(client_for(analyst)).get(CALENDAR, {"view": view, "date": "2021-05-15"})
    html = html.content.decode()
    assert f'id="entry-{scheduled.pk}"' in html
    assert 'datetime="2021-05-15T10:00:00+02:00"' in html
    assert "Baggio, slow" in html  # the caption excerpt
    assert "<caption>" in html
    assert 'scope="col"' in html


def test_navigation_moves_by_month_and_by_week(client_for, analyst, campaign):
    client = english(client_for(analyst))
    month = client.get(CALENDAR, {"date": "2021-05-15"}).content.decode()
    assert "date=2021-04-01" in month
    assert "date=2021-06-01" in month
    week = client.get(CALENDAR, {"view": "week", "date": "2021-05-15"}).content.decode()
    assert "Week of 10 May 2021" in week
    assert "date=2021-05-03" in week
    assert "date=2021-05-17" in week


def test_a_bad_date_or_view_falls_back_instead_of_failing(client_for, analyst, campaign):
    response = client_for(analyst).get(CALENDAR, {"view": "year", "date": "2021-13-45"})
    assert response.status_code == 200


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def two_accounts(item, tiktok, instagram, editor, make_variant):
    on_tiktok = make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)
    on_instagram = make_variant(item=item, account=instagram, by=editor, status=S.APPROVED)
    return on_tiktok, on_instagram


def _shown(client, **params) -> set[int]:
    html = client.get(CALENDAR, {"view": "list", "date": "2021-05-01", **params})
    return {
        variant.pk
        for variant in Variant.objects.all()
        if f'id="entry-{variant.pk}"' in html.content.decode()
    }


def test_filters_by_account_platform_status_and_campaign(
    client_for, analyst, two_accounts, instagram, item
):
    on_tiktok, on_instagram = two_accounts
    client = client_for(analyst)
    # The list view also lists approved variants still waiting for a time.
    assert _shown(client) == {on_tiktok.pk, on_instagram.pk}
    assert _shown(client, account=instagram.pk) == {on_instagram.pk}
    assert _shown(client, platform="tiktok") == {on_tiktok.pk}
    assert _shown(client, status="scheduled") == {on_tiktok.pk}
    other = Campaign.objects.create(
        name="Other", slug="other", start_date=dt.date(2021, 5, 1), end_date=dt.date(2021, 5, 31)
    )
    assert _shown(client, campaign=other.pk) == set()
    assert _shown(client, campaign=item.campaign_id) == {on_tiktok.pk, on_instagram.pk}


def test_filters_by_neighbourhood(client_for, analyst, two_accounts, item, campaign, editor):
    baggio = Neighbourhood.objects.create(
        code="51",
        slug="baggio",
        name_it="Baggio",
        geometry={"type": "Polygon", "coordinates": []},
        centroid_lat=45.46,
        centroid_lon=9.09,
        area_m2=1.0,
    )
    ContentItem.objects.filter(pk=item.pk).update(neighbourhood=baggio)
    client = client_for(analyst)
    assert _shown(client, neighbourhood=baggio.pk) == {v.pk for v in two_accounts}
    html = english(client).get(CALENDAR, MAY).content.decode()
    assert '<label for="id_neighbourhood" class="form-label">Neighbourhood</label>' in html
    assert ">Baggio</option>" in html


# --- rescheduling --------------------------------------------------------------------------


def test_approver_reschedules_with_the_form_and_returns_to_the_new_day(
    client_for, approver, scheduled
):
    transitions = Transition.objects.filter(variant=scheduled).count()
    response = reschedule(
        client_for(approver),
        scheduled,
        date="2021-06-02",
        time="18:30",
        next=f"{CALENDAR}?view=week&date=2021-05-15&platform=tiktok",
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{CALENDAR}?view=week&date=2021-06-02&platform=tiktok#entry-{scheduled.pk}"
    )
    stored = Variant.objects.get(pk=scheduled.pk)
    assert stored.scheduled_at == dt.datetime(2021, 6, 2, 16, 30, tzinfo=dt.UTC)
    assert Transition.objects.filter(variant=scheduled).count() == transitions + 1


def test_an_approved_variant_is_scheduled_from_the_list(
    client_for, approver, item, tiktok, editor, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    reply = reschedule(client_for(approver), variant, json=True, date="2021-05-20", time="09:00")
    assert reply.json()["ok"] is True
    assert Variant.objects.get(pk=variant.pk).status == S.SCHEDULED


def test_a_drop_answers_htmx_with_the_message_and_the_new_place(client_for, approver, scheduled):
    client = english(client_for(approver))
    url = reverse("campaigns:calendar_reschedule", args=[scheduled.pk])
    moved = client.post(url, {"date": "2021-05-20", "time": "10:00"}, HTTP_HX_REQUEST="true")
    assert moved.status_code == 200
    assert 'role="status"' in moved.content.decode()
    assert json.loads(moved["HX-Trigger"]) == {
        "calendar-moved": {
            "variant": scheduled.pk,
            "day": "2021-05-20",
            "time": "10:00",
            "datetime": "2021-05-20T10:00:00+02:00",
        }
    }
    # Outside the campaign: the reason, no move event, and the post stays where it was.
    refused = client.post(url, {"date": "2021-10-02", "time": "10:00"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert 'role="alert"' in refused.content.decode()
    assert "HX-Trigger" not in refused
    scheduled.refresh_from_db()
    assert scheduled.scheduled_at == dt.datetime(2021, 5, 20, 8, 0, tzinfo=dt.UTC)


def test_a_foreign_next_url_is_not_followed(client_for, approver, scheduled):
    response = reschedule(
        client_for(approver), scheduled, date="2021-06-02", time="10:00", next="https://evil.test/"
    )
    assert response["Location"].startswith(f"{CALENDAR}?date=2021-06-02")


def test_analyst_cannot_reschedule(client_for, analyst, scheduled):
    before = Unchanged(scheduled)
    response = reschedule(client_for(analyst), scheduled, date="2021-06-02", time="10:00")
    assert response.status_code == 403
    before.check()
    assert Variant.objects.get(pk=scheduled.pk).scheduled_at == IN_WINDOW


def test_an_editor_without_the_publish_grant_is_told_why(client_for, editor, scheduled):
    before = Unchanged(scheduled)
    client = english(client_for(editor))
    reply = reschedule(client, scheduled, json=True, date="2021-06-02", time="10:00")
    assert reply.status_code == 403
    assert reply.json() == {
        "ok": False,
        "errors": ["You have no grant to schedule and publish on TikTok @comunedimilano."],
    }
    before.check()


def test_outside_the_campaign_is_refused_with_the_reason(client_for, approver, scheduled):
    before = Unchanged(scheduled)
    client = english(client_for(approver))
    reply = reschedule(client, scheduled, json=True, date="2021-10-02", time="10:00")
    assert reply.status_code == 400
    assert reply.json()["errors"] == [
        "2021-10-02 is outside the campaign (2021-05-03 – 2021-09-30)."
    ]
    before.check()


def test_too_close_to_another_post_is_refused_with_the_reason(
    client_for, approver, item, tiktok, editor, make_variant, scheduled
):
    tiktok.min_spacing_minutes = 60
    tiktok.save()
    other = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    before = Unchanged(other)
    client = english(client_for(approver))
    reply = reschedule(client, other, json=True, date="2021-05-15", time="10:30")
    assert reply.status_code == 400
    assert "keep 60 minutes between posts" in reply.json()["errors"][0]
    before.check()


def test_the_form_suggests_the_account_posting_slots(client_for, approver, scheduled, tiktok):
    tiktok.posting_slots = ["09:00", "18:30"]
    tiktok.save()
    html = english(client_for(approver)).get(CALENDAR, MAY).content.decode()
    assert f'<datalist id="slots-{tiktok.pk}"><option value="09:00"></option>' in html
    assert f'list="slots-{tiktok.pk}"' in html
    assert "Suggested times for this account: 09:00, 18:30" in html


# --- clock changes -----------------------------------------------------------------------


@pytest.fixture
def autumn(item, scheduled) -> Variant:
    Campaign.objects.filter(pk=item.campaign_id).update(end_date=dt.date(2021, 11, 30))
    return scheduled


def test_02_30_on_31_october_2021_needs_a_fold_choice(client_for, approver, autumn):
    before = Unchanged(autumn)
    client = english(client_for(approver))
    reply = reschedule(client, autumn, json=True, date="2021-10-31", time="02:30")
    assert reply.status_code == 400
    assert reply.json()["errors"][0].startswith("02:30 happens twice on 2021-10-31")
    before.check()
    reply = reschedule(
        client, autumn, json=True, date="2021-10-31", time="02:30", occurrence="second"
    )
    assert reply.json()["ok"] is True
    stored = Variant.objects.get(pk=autumn.pk)
    assert stored.scheduled_at == dt.datetime(2021, 10, 31, 1, 30, tzinfo=dt.UTC)


def test_an_entry_on_the_fold_says_which_02_30_it_is(client_for, analyst, approver, autumn):
    variant_schedule(
        actor=approver, variant=autumn, at=dt.datetime(2021, 10, 31, 0, 30, tzinfo=dt.UTC)
    )
    html = client_for(analyst).get(CALENDAR, {"date": "2021-10-31"}).content.decode()
    assert "02:30 (+02:00)" in html
    assert 'data-day="2021-10-31"' in html


def test_a_missing_spring_time_is_refused_unless_moved(client_for, approver, item, scheduled):
    Campaign.objects.filter(pk=item.campaign_id).update(start_date=dt.date(2021, 3, 1))
    client = english(client_for(approver))
    reply = reschedule(client, scheduled, json=True, date="2021-03-28", time="02:30")
    assert reply.status_code == 400
    reply = reschedule(
        client, scheduled, json=True, date="2021-03-28", time="02:30", move_if_missing="on"
    )
    assert reply.json()["ok"] is True
    assert reply.json()["time"] == "03:00"
    assert reply.json()["warning"]


# --- spacing warning -----------------------------------------------------------------------


def test_posts_closer_than_the_spacing_are_flagged(
    client_for, analyst, approver, item, tiktok, editor, make_variant, scheduled
):
    close = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    variant_schedule(actor=approver, variant=close, at=IN_WINDOW + dt.timedelta(minutes=20))
    far = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    variant_schedule(actor=approver, variant=far, at=IN_WINDOW + dt.timedelta(hours=5))
    # The spacing was raised after the posts were scheduled.
    tiktok.min_spacing_minutes = 60
    tiktok.save()
    html = english(client_for(analyst)).get(CALENDAR, MAY).content.decode()
    assert "2 posts are too close to another post on their account" in html
    assert html.count("Only 20 minutes after another post on TikTok @comunedimilano") == 2


def test_spacing_warnings_need_no_query_per_entry(
    item, tiktok, editor, make_variant, django_assert_num_queries
):
    posts = [make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)]
    posts.append(make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED))
    tiktok.min_spacing_minutes = 30
    tiktok.save()
    posts = list(Variant.objects.select_related("account"))
    with django_assert_num_queries(0):
        warnings = calendar_spacing_warnings(variants=posts)
    assert set(warnings) == {post.pk for post in posts}


# --- queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_the_page_uses_the_same_number_of_queries_for_1_or_30_variants(
    client_for,
    approver,
    item,
    tiktok,
    instagram,
    editor,
    make_variant,
    django_assert_num_queries,
    view,
):
    client = client_for(approver)  # a publisher: the per-entry permission hints are included
    params = {"view": view, "date": "2021-05-15"}
    make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)
    client.get(CALENDAR, params)  # warm the session and user caches
    with CaptureQueriesContext(connection) as one:
        client.get(CALENDAR, params)
    for number in range(29):
        account = tiktok if number % 2 else instagram
        make_variant(item=item, account=account, by=editor, status=S.SCHEDULED)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(CALENDAR, params)
    html = response.content.decode()
    shown = html.count('class="cal-entry') + html.count('<tr id="entry-')
    # The month grid shows the first posts of a day and links the rest (test below).
    assert shown == (MONTH_DAY_LIMIT if view == "month" else 30)


def test_a_full_day_in_the_month_shows_the_first_posts_and_links_the_rest(
    client_for, analyst, item, tiktok, instagram, editor, make_variant
):
    made = [
        make_variant(
            item=item, account=tiktok if n % 2 else instagram, by=editor, status=S.SCHEDULED
        )
        for n in range(MONTH_DAY_LIMIT + 3)
    ]
    client = english(client_for(analyst))
    html = client.get(CALENDAR, {"view": "month", "date": "2021-05-15"}).content.decode()
    shown = [v for v in made if f'id="entry-{v.pk}"' in html]
    assert len(shown) == MONTH_DAY_LIMIT
    assert "3 more posts on 15 May" in html
    assert 'href="?view=week&amp;date=2021-05-15' in html
    week = client.get(CALENDAR, {"view": "week", "date": "2021-05-15"}).content.decode()
    assert all(f'id="entry-{v.pk}"' in week for v in made)


# --- in a real browser ---------------------------------------------------------------------


def _cell(page, day: str):
    return page.locator(f'td[data-day="{day}"]')


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_approver_reschedules_with_the_keyboard_form(page, login, approver, scheduled):
    login(approver)
    page.goto(f"{CALENDAR}?date=2021-05-01")
    assert axe_violations(page) == []
    entry = _cell(page, "2021-05-15").locator(f"#entry-{scheduled.pk}")
    summary = entry.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")  # <details> opens from the keyboard
    page.locator(f"#rs-date-{scheduled.pk}").fill("2021-05-20")
    page.locator(f"#rs-time-{scheduled.pk}").fill("18:30")
    page.locator(f"#rs-time-{scheduled.pk}").press("Enter")  # submits the form
    page.wait_for_load_state()
    assert _cell(page, "2021-05-20").locator(f"#entry-{scheduled.pk}").is_visible()
    assert _cell(page, "2021-05-15").locator(f"#entry-{scheduled.pk}").count() == 0
    assert page.locator(f"#entry-{scheduled.pk} time").inner_text() == "18:30"
    stored = Variant.objects.get(pk=scheduled.pk)
    assert stored.scheduled_at == dt.datetime(2021, 5, 20, 16, 30, tzinfo=dt.UTC)
    assert axe_violations(page) == []


def _drop(page, entry: str, day: str, *, role: str):
    """Drag the entry onto a day with the mouse (Playwright's drag_to) and wait for the
    server's answer in the feedback area."""
    page.locator("#calendar-feedback").evaluate("box => box.replaceChildren()")
    page.locator(entry).drag_to(_cell(page, day))
    answer = page.locator(f'#calendar-feedback [role="{role}"]:not(.alert-info)')
    answer.wait_for()
    return answer.inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dragging_moves_a_post_and_a_refusal_leaves_it_in_place(
    page, login, approver, scheduled, monkeypatch
):
    from quartieri.campaigns import scheduling

    # It is noon on 12 May 2021: 10 May is in the campaign but gone.
    noon = dt.datetime(2021, 5, 12, 10, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(scheduling, "schedule_now", lambda: noon)
    login(approver)
    page.goto(f"{CALENDAR}?date=2021-05-01")
    entry = f"#entry-{scheduled.pk}"
    # The kind's declared colour reaches the icon (kinds.css), beside the account's name.
    icon = page.locator(f"{entry} .cal-kind-icon")
    assert icon.evaluate("e => getComputedStyle(e).fill") == "rgb(17, 17, 17)"
    # 1 May is in the grid but before the campaign starts: the service refuses.
    assert "2021-05-01" in _drop(page, entry, "2021-05-01", role="alert")
    # 10 May is in the campaign, but in the past (the staff page speaks Italian).
    assert "è nel passato" in _drop(page, entry, "2021-05-10", role="alert")
    assert _cell(page, "2021-05-15").locator(entry).count() == 1
    assert Variant.objects.get(pk=scheduled.pk).scheduled_at == IN_WINDOW
    # A day in the campaign: the post moves there and keeps its 10:00.
    _drop(page, entry, "2021-05-21", role="status")
    assert _cell(page, "2021-05-21").locator(entry).count() == 1
    stored = Variant.objects.get(pk=scheduled.pk)
    assert stored.scheduled_at == dt.datetime(2021, 5, 21, 8, 0, tzinfo=dt.UTC)
    page.reload()
    assert _cell(page, "2021-05-21").locator(entry).count() == 1
    # The publish grant is withdrawn while the page is open: the move is refused with the
    # reason, and nothing changes.
    AccountGrant.objects.filter(user=approver, account=scheduled.account).update(can_publish=False)
    before = Unchanged(Variant.objects.get(pk=scheduled.pk))
    assert "Non hai l'autorizzazione" in _drop(page, entry, "2021-05-24", role="alert")
    assert _cell(page, "2021-05-21").locator(entry).count() == 1
    before.check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_without_the_publish_grant_cannot_drag_or_reschedule(
    page, login, editor, scheduled
):
    before = Unchanged(scheduled)
    login(editor)
    page.goto(f"{CALENDAR}?date=2021-05-01")
    entry = page.locator(f"#entry-{scheduled.pk}")
    assert entry.is_visible()
    assert entry.get_attribute("draggable") is None
    assert entry.locator("form, summary").count() == 0
    entry.drag_to(_cell(page, "2021-05-21"))
    page.wait_for_timeout(300)  # a request would have been sent at the drop
    assert page.locator("#calendar-feedback").inner_text() == ""
    assert _cell(page, "2021-05-15").locator(f"#entry-{scheduled.pk}").count() == 1
    before.check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_analyst_calendar_is_accessible_in_every_view(page, login, analyst, scheduled):
    login(analyst)
    for view in ("month", "week", "list"):
        page.goto(f"{CALENDAR}?view={view}&date=2021-05-15")
        assert page.locator(f"#entry-{scheduled.pk}").count() == 1
        assert page.locator(f"#entry-{scheduled.pk}[draggable]").count() == 0
        assert axe_violations(page) == []


def test_a_post_just_outside_the_week_still_flags_its_neighbour(
    client_for, analyst, approver, item, tiktok, editor, make_variant
):
    # Sunday 16 May 23:50 and Monday 17 May 00:10: two weeks, twenty minutes apart.
    sunday = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    variant_schedule(
        actor=approver, variant=sunday, at=dt.datetime(2021, 5, 16, 21, 50, tzinfo=dt.UTC)
    )
    monday = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    variant_schedule(
        actor=approver, variant=monday, at=dt.datetime(2021, 5, 16, 22, 10, tzinfo=dt.UTC)
    )
    tiktok.min_spacing_minutes = 60
    tiktok.save()
    html = english(client_for(analyst)).get(CALENDAR, {"view": "week", "date": "2021-05-17"})
    html = html.content.decode()
    assert f'id="entry-{monday.pk}"' in html
    assert f'id="entry-{sunday.pk}"' not in html
    assert "Only 20 minutes after another post on TikTok @comunedimilano" in html


def test_without_a_date_a_finished_campaign_opens_on_its_last_post(client_for, analyst, scheduled):
    # The only post shown went out in May 2021: today's month would be empty.
    html = english(client_for(analyst)).get(CALENDAR).content.decode()
    assert f'id="entry-{scheduled.pk}"' in html
    assert 'data-day="2021-05-15"' in html


def test_without_a_date_a_running_campaign_opens_on_today(client_for, analyst, scheduled, campaign):
    from django.utils import timezone

    tomorrow = timezone.now() + dt.timedelta(days=1)
    Campaign.objects.filter(pk=campaign.pk).update(end_date=tomorrow.date() + dt.timedelta(days=1))
    Variant.objects.filter(pk=scheduled.pk).update(scheduled_at=tomorrow)
    html = english(client_for(analyst)).get(CALENDAR, {"view": "week"}).content.decode()
    assert f'data-day="{timezone.localdate().isoformat()}"' in html
