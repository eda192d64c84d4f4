"""The campaign and content item forms: who may use them, what they write, what they refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import Campaign, ContentItem, Variant
from quartieri.places.models import Neighbourhood, Tour

S = Variant.Status


@pytest.fixture
def client_for(english_client_for):
    return english_client_for  # pages in English: messages asserted as their msgids


def _neighbourhood(code: str, name: str) -> Neighbourhood:
    return Neighbourhood.objects.create(
        code=code,
        slug=name.lower(),
        name_it=name,
        geometry={"type": "Polygon", "coordinates": []},
        centroid_lat=45.46,
        centroid_lon=9.09,
        area_m2=1.0,
    )


@pytest.fixture
def baggio(db: None) -> Neighbourhood:
    return _neighbourhood("55", "Baggio")


@pytest.fixture
def isola(db: None) -> Neighbourhood:
    return _neighbourhood("11", "Isola")


@pytest.fixture
def isola_tour(isola: Neighbourhood) -> Tour:
    return Tour.objects.create(
        neighbourhood=isola, slug="isola-botteghe", title_it="Le botteghe di Isola", theme="history"
    )


@pytest.fixture
def baggio_tour(baggio: Neighbourhood) -> Tour:
    return Tour.objects.create(
        neighbourhood=baggio, slug="baggio-cave", title_it="Parco delle Cave", theme="nature"
    )


def campaign_data(**changes: object) -> dict[str, object]:
    return {
        "name": "Quartieri autunno 2026",
        "slug": "",
        "start_date": "2026-10-01",
        "end_date": "2026-11-30",
        "objective": "Students in Isola",
        "budget": "1500.00",
        "status": "draft",
        **changes,
    }


def _audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- Campaigns ------------------------------------------------------------------------------


def test_an_approver_creates_a_campaign_with_a_slug_made_from_its_name(
    client_for, approver, baggio, isola
):
    response = client_for(approver).post(
        reverse("campaigns:campaign_create"),
        campaign_data(neighbourhoods=[baggio.pk, isola.pk]),
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/campaigns/quartieri-autunno-2026/"
    assert campaign.slug == "quartieri-autunno-2026"
    assert campaign.end_date == dt.date(2026, 11, 30)
    assert set(campaign.neighbourhoods.all()) == {baggio, isola}
    [event] = _audit("campaigns.campaign.create")
    assert event.actor == approver
    assert event.after["slug"] == "quartieri-autunno-2026"
    assert sorted(event.after["neighbourhoods"]) == sorted([baggio.pk, isola.pk])


@pytest.mark.parametrize("who", ["editor", "analyst"])
def test_only_the_comms_office_creates_campaigns(who, request, client_for):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("campaigns:campaign_create")).status_code == 403
    response = client.post(reverse("campaigns:campaign_create"), campaign_data())
    assert response.status_code == 403
    assert not Campaign.objects.exists()
    assert not _audit("campaigns.campaign.create")


def test_a_slug_clash_names_the_other_campaign_and_keeps_the_input(client_for, approver, campaign):
    response = client_for(approver).post(
        reverse("campaigns:campaign_create"),
        campaign_data(name="Another one", slug=campaign.slug),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "The slug “milano-quartieri-2021” is already used by the campaign "
        "“Milano quartieri spring-summer 2021”." in html
    )
    assert 'value="Another one"' in html  # what was typed is still there
    assert 'value="2026-11-30"' in html
    assert 'aria-describedby="id_slug_helptext id_slug_error"' in html
    assert Campaign.objects.count() == 1
    assert not _audit("campaigns.campaign.create")


def test_a_last_day_before_the_first_is_refused_on_that_field(client_for, approver):
    response = client_for(approver).post(
        reverse("campaigns:campaign_create"),
        campaign_data(start_date="2026-11-30", end_date="2026-10-01"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_end_date_error"' in html
    assert "The last day (2026-10-01) is before the first day (2026-11-30)." in html
    assert not Campaign.objects.exists()


def test_a_slug_that_is_a_page_of_the_site_is_refused(client_for, approver):
    response = client_for(approver).post(
        reverse("campaigns:campaign_create"), campaign_data(slug="calendar")
    )
    assert "“calendar” is a page of the site: choose another slug." in response.content.decode()
    assert not Campaign.objects.exists()


def test_editing_a_campaign_records_before_and_after(client_for, approver, campaign):
    url = reverse("campaigns:campaign_update", args=[campaign.slug])
    client = client_for(approver)
    page = client.get(url).content.decode()
    assert 'value="2021-05-03"' in page  # the stored dates are shown for a date input
    data = campaign_data(
        name=campaign.name,
        slug=campaign.slug,
        start_date="2021-05-03",
        end_date="2021-10-31",
        status="active",
    )
    assert client.post(url, data).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.end_date, campaign.status) == (dt.date(2021, 10, 31), "active")
    [event] = _audit("campaigns.campaign.update")
    assert (event.before["end_date"], event.after["end_date"]) == ("2021-09-30", "2021-10-31")


def test_saving_an_unchanged_campaign_writes_nothing(client_for, approver, campaign):
    data = campaign_data(
        name=campaign.name,
        slug=campaign.slug,
        start_date="2021-05-03",
        end_date="2021-09-30",
        objective="",
        budget="0.00",
        audiences=["international-students"],
    )
    response = client_for(approver).post(
        reverse("campaigns:campaign_update", args=[campaign.slug]), data
    )
    assert response.status_code == 302
    assert not _audit("campaigns.campaign.update")
    campaign.refresh_from_db()
    assert campaign.audiences == ["international-students"]  # kept though not a segment


def test_new_dates_may_not_leave_a_scheduled_post_outside(
    client_for, approver, item, tiktok, editor, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)
    campaign = item.campaign
    response = client_for(approver).post(
        reverse("campaigns:campaign_update", args=[campaign.slug]),
        campaign_data(name=campaign.name, slug=campaign.slug, start_date="2021-06-01"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "1 posts are on the calendar outside these dates (first: TikTok @comunedimilano on " in html
    )
    assert 'id="id_start_date_error"' in html
    campaign.refresh_from_db()
    assert campaign.start_date == dt.date(2021, 5, 3)
    assert Variant.objects.get(pk=variant.pk).status == S.SCHEDULED
    assert not _audit("campaigns.campaign.update")


def test_an_editor_cannot_edit_a_campaign(client_for, editor, campaign):
    url = reverse("campaigns:campaign_update", args=[campaign.slug])
    response = client_for(editor).post(url, campaign_data(name="Renamed", slug=campaign.slug))
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "Milano quartieri spring-summer 2021"


def test_the_list_offers_new_and_edit_only_to_the_comms_office(
    client_for, approver, editor, campaign
):
    url = reverse("campaigns:campaign_list")
    as_approver = client_for(approver).get(url).content.decode()
    assert 'href="/campaigns/new/"' in as_approver
    assert f'href="/campaigns/{campaign.slug}/edit/"' in as_approver
    as_editor = client_for(editor).get(url).content.decode()
    assert "/campaigns/new/" not in as_editor
    assert "/edit/" not in as_editor


# --- Content items --------------------------------------------------------------------------


def item_data(**changes: object) -> dict[str, object]:
    return {
        "title": "Isola, the workshops",
        "neighbourhood": "",
        "tour": "",
        "playlist": "",
        "master_text_it": "Isola apre le botteghe. #Isola",
        "master_text_en": "Isola opens its workshops. #Isola",
        **changes,
    }


def test_an_editor_creates_a_content_item_with_a_tour_of_its_neighbourhood(
    client_for, editor, campaign, isola, isola_tour
):
    campaign.neighbourhoods.set([isola])
    url = reverse("campaigns:item_create", args=[campaign.slug])
    response = client_for(editor).post(url, item_data(neighbourhood=isola.pk, tour=isola_tour.pk))
    item = ContentItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/items/{item.pk}/"
    assert (item.campaign, item.neighbourhood, item.tour) == (campaign, isola, isola_tour)
    assert item.created_by == editor
    [event] = _audit("campaigns.item.create")
    assert event.after["tour"] == isola_tour.pk


def test_a_tour_of_another_neighbourhood_is_refused_with_both_names(
    client_for, editor, campaign, isola, baggio, baggio_tour
):
    url = reverse("campaigns:item_create", args=[campaign.slug])
    response = client_for(editor).post(url, item_data(neighbourhood=isola.pk, tour=baggio_tour.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "“Parco delle Cave” belongs to Baggio, not to Isola." in html
    assert 'id="id_tour_error"' in html
    assert "Isola apre le botteghe. #Isola</textarea>" in html  # the texts are kept
    assert not ContentItem.objects.exists()
    assert not _audit("campaigns.item.create")


def test_the_item_form_offers_the_campaign_neighbourhoods_and_groups_the_tours(
    client_for, editor, campaign, isola, baggio, isola_tour, baggio_tour
):
    campaign.neighbourhoods.set([isola])
    html = client_for(editor).get(reverse("campaigns:item_create", args=[campaign.slug]))
    html = html.content.decode()
    start = html.index('id="id_neighbourhood"')
    neighbourhoods = html[start : html.index("</select>", start)]
    assert "Isola" in neighbourhoods
    assert "Baggio" not in neighbourhoods
    assert '<optgroup label="Isola">' in html
    assert 'data-follows="id_neighbourhood"' in html


def test_an_analyst_cannot_create_or_edit_items(client_for, analyst, item):
    client = client_for(analyst)
    create = reverse("campaigns:item_create", args=[item.campaign.slug])
    assert client.post(create, item_data()).status_code == 403
    edit = reverse("campaigns:item_update", args=[item.pk])
    assert client.post(edit, item_data(title="Changed")).status_code == 403
    assert list(ContentItem.objects.values_list("title", flat=True)) == [item.title]
    assert not AuditEvent.objects.filter(action__startswith="campaigns.item").exists()
    page = client.get(reverse("campaigns:item_detail", args=[item.pk])).content.decode()
    assert "/edit/" not in page
    assert "generate-form" not in page


def test_editing_an_item_records_the_change(client_for, editor, item):
    url = reverse("campaigns:item_update", args=[item.pk])
    response = client_for(editor).post(url, item_data(title="Baggio, the lake"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Baggio, the lake"
    [event] = _audit("campaigns.item.update")
    assert (event.before["title"], event.after["title"]) == (
        "Baggio – Parco delle Cave",
        "Baggio, the lake",
    )


def test_the_campaign_page_links_items_and_the_new_item_form(client_for, editor, analyst, item):
    url = reverse("campaigns:campaign_detail", args=[item.campaign.slug])
    as_editor = client_for(editor).get(url).content.decode()
    assert f'href="/campaigns/items/{item.pk}/"' in as_editor
    assert f'href="/campaigns/{item.campaign.slug}/items/new/"' in as_editor
    as_analyst = client_for(analyst).get(url).content.decode()
    assert f'href="/campaigns/items/{item.pk}/"' in as_analyst
    assert "/items/new/" not in as_analyst
