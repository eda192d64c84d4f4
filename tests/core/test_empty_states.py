"""Every list page with nothing in it says what to do next, with a link to do it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from quartieri.campaigns.models import Campaign, ContentItem

NEXT = re.compile(r'<a href="([^"]+)" data-testid="empty-next">')


def next_step(client, path: str) -> str:
    answer = client.get(path, headers={"accept-language": "it"})
    assert answer.status_code == 200, path
    found = NEXT.findall(answer.content.decode())
    assert len(found) == 1, path
    return found[0]


@pytest.mark.parametrize(
    ("path", "link"),
    [
        ("/campaigns/", "/campaigns/new/"),
        ("/publishing/", "/campaigns/calendar/"),
        ("/publishing/?state=failed", "/publishing/"),
        ("/notifications/", "/todo/"),
        ("/screens/", "/screens/displays/new/"),
        ("/newsletter/", "#compose-issue"),
    ],
)
def test_an_empty_list_links_to_the_next_step(client_for, admin_user, path, link):
    assert next_step(client_for(admin_user), path) == link


def test_who_may_not_create_is_sent_where_they_can_act(client_for, analyst):
    client = client_for(analyst)
    assert next_step(client, "/campaigns/") == "/planner/"
    assert next_step(client, "/screens/") == "/screens/slides/"


def test_an_empty_media_library_leads_to_an_upload(client_for, editor):
    campaign = Campaign.objects.create(
        name="Autunno", slug="autunno", start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2026, 10, 31),
    )  # fmt: skip
    client = client_for(editor)
    assert next_step(client, "/campaigns/autunno/media/") == "/campaigns/autunno/"
    item = ContentItem.objects.create(campaign=campaign, title="Isola", created_by=editor)
    assert next_step(client, "/campaigns/autunno/media/") == f"/campaigns/items/{item.pk}/media/"
