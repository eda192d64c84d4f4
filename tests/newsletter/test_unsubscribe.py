"""RFC 8058 one-click, the visible unsubscribe page, preferences and the consent timeline."""

from __future__ import annotations

import pytest
from django.test import Client

from quartieri.newsletter.models import ConsentRecord, Subscription
from quartieri.newsletter.tokens import unsubscribe_token


@pytest.fixture
def mail_client():
    # A mail provider's server: no cookies, no session, CSRF checks on.
    return Client(enforce_csrf_checks=True)


def test_one_click_post_unsubscribes_at_once_without_session_or_csrf(
    mail_client, subscribe_people, daily
):
    reader = subscribe_people(1)[0]
    token = unsubscribe_token(subscriber_id=reader.pk, list_id=daily.pk)
    response = mail_client.post(
        f"/newsletter/u/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Subscription.objects.get(subscriber=reader).status == "unsubscribed"
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"
    record = ConsentRecord.objects.get(subscriber=reader)
    assert (record.action, record.source) == ("unsubscribed", "one-click")


def test_get_only_asks_so_link_scanners_unsubscribe_nobody(mail_client, subscribe_people, daily):
    reader = subscribe_people(1)[0]
    token = unsubscribe_token(subscriber_id=reader.pk, list_id=daily.pk)
    response = mail_client.get(f"/newsletter/u/{token}/")
    assert "unsubscribe-button" in response.content.decode()
    assert Subscription.objects.get(subscriber=reader).status == "confirmed"


def test_a_forged_token_changes_nothing(mail_client, subscribe_people, daily):
    reader = subscribe_people(1)[0]
    token = unsubscribe_token(subscriber_id=reader.pk, list_id=daily.pk)
    forged = f"{reader.pk + 1}-{daily.pk}-{token.rsplit('-', 1)[1]}"
    assert (
        mail_client.post(f"/newsletter/u/{forged}/", {"List-Unsubscribe": "One-Click"}).status_code
        == 400
    )
    assert not ConsentRecord.objects.exists()


def test_preferences_change_language_and_show_the_consent_timeline(
    mail_client, subscribe_people, daily
):
    reader = subscribe_people(1)[0]
    ConsentRecord.objects.create(
        subscriber=reader,
        newsletter_list=daily,
        action="imported",
        at=reader.created_at,
        source="import:old.csv",
        note="Signed up at the 2020 fair",
    )
    token = unsubscribe_token(subscriber_id=reader.pk, list_id=daily.pk)
    page = mail_client.get(f"/newsletter/p/{token}/").content.decode()
    assert "consent-timeline" in page
    assert "Signed up at the 2020 fair" in page
    mail_client.post(f"/newsletter/p/{token}/", {"language": "en", "interests": []})
    reader.refresh_from_db()
    assert reader.language == "en"


def test_every_token_reads_back_whatever_its_mac_contains(db):
    from quartieri.newsletter.tokens import Recipient, unsubscribe_token_read

    # urlsafe base64 uses "-": a third of all MACs contain one; 300 tokens cover that.
    tokens = [unsubscribe_token(subscriber_id=n, list_id=7) for n in range(300)]
    assert any(t.count("-") > 2 for t in tokens)
    assert [unsubscribe_token_read(t) for t in tokens] == [Recipient(n, 7) for n in range(300)]
