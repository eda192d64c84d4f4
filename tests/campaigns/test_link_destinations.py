"""Issue 17's decision: tracked links lead only to allowed destinations (none but the
platform's own on a fresh install, so no open redirect). A post linking elsewhere is
warned about while it is drafted and when it is submitted or approved, naming the domain and
the setting, and refused when it is scheduled; the account health page lists what is
allowed."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from quartieri.campaigns.models import Variant
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import give_media

SETTING = "QUARTIERI_LINK_ALLOWED_DOMAINS"
ELSEWHERE = "https://www.yesmilano.it/quartieri/baggio"


@pytest.fixture
def client_for(english_client_for):
    return english_client_for  # pages in English: messages asserted as their msgids


@pytest.fixture(autouse=True)
def _fresh_install(settings):
    settings.LINK_ALLOWED_DOMAINS = []
    settings.ANALYTICS_SITE_ORIGINS = []


def _live_check(client, variant, link):
    form = {"post_type": "feed", "caption": "Baggio #quartieri", "link": link}
    return client.post(reverse("campaigns:variant_check", args=[variant.pk]), form).json()


def test_the_editor_warns_while_drafting_naming_the_domain_and_the_setting(
    client_for, editor, item, instagram, make_variant, settings
):
    variant = make_variant(item=item, account=instagram, by=editor)
    answer = _live_check(client_for(editor), variant, ELSEWHERE)
    [warning] = answer["warnings"]
    assert "www.yesmilano.it" in warning
    assert SETTING in warning
    # A warning, not a rule: nothing about it stops the draft going to review.
    assert all(SETTING not in problem for problem in answer["problems"])
    # A path on the platform, or an allowed domain, draws no warning.
    assert _live_check(client_for(editor), variant, "/q/baggio/it/")["warnings"] == []
    settings.LINK_ALLOWED_DOMAINS = ["yesmilano.it"]
    assert _live_check(client_for(editor), variant, ELSEWHERE)["warnings"] == []
    # The editor's page says it too when it opens on a saved draft with such a link.
    settings.LINK_ALLOWED_DOMAINS = []
    Variant.objects.filter(pk=variant.pk).update(link=ELSEWHERE)
    page = client_for(editor).get(reverse("campaigns:variant_edit", args=[variant.pk])).text
    assert SETTING in page


def test_submitting_warns_and_scheduling_refuses_naming_the_domain_and_the_setting(
    client_for, editor, approver, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, link=ELSEWHERE)
    give_media(variant)  # submit refuses a post without the media it needs
    give = client_for(editor).post(reverse("campaigns:variant_action", args=[variant.pk, "submit"]))
    told = [str(m) for m in get_messages(give.wsgi_request)]
    assert any("www.yesmilano.it" in m and SETTING in m for m in told)
    variant.refresh_from_db()
    assert variant.status == Variant.Status.IN_REVIEW  # submitted all the same
    client = client_for(approver)
    client.post(reverse("campaigns:variant_action", args=[variant.pk, "approve"]))
    answer = client.post(
        reverse("campaigns:variant_action", args=[variant.pk, "schedule"]),
        {"date": "2021-05-15", "time": "10:00"},
    )
    told = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any("www.yesmilano.it" in m and SETTING in m for m in told)
    variant.refresh_from_db()
    assert (variant.status, variant.scheduled_at) == (Variant.Status.APPROVED, None)
    assert not OutboxEntry.objects.filter(variant=variant).exists()


def test_the_account_health_page_lists_where_links_may_lead(client_for, approver, settings):
    page = client_for(approver).get(reverse("publishing:account_health")).text
    assert settings.PUBLIC_URL in page
    assert SETTING in page
    assert "No other domain is allowed yet" in page
    settings.LINK_ALLOWED_DOMAINS = ["yesmilano.it"]
    page = client_for(approver).get(reverse("publishing:account_health")).text
    assert "*.yesmilano.it" in page
