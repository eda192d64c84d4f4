"""Contract 1: the subscribe form the mini-sites post to, double opt-in, the consent JSON."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from django.test import Client

from quartieri.newsletter.mail import confirmation_send
from quartieri.newsletter.models import ConsentRecord, Subscriber, Subscription, Suppression
from quartieri.newsletter.services import suppression_add

URL = "/newsletter/subscribe/"


def _post(client, **fields):
    data = {
        "email": "Ada@Example.org ",
        "list": "daily",
        "language": "en",
        "interests": ["isola", "baggio"],
        "consent": "yes",
        "consent_version": "1",
        "source": "minisite:isola:en",
        "next": "",
        "website": "",
    }
    data.update(fields)
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


@pytest.fixture
def site():
    # A static mini-site on another domain: no session, no CSRF cookie, checks enforced.
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")


def test_a_cross_site_post_records_the_request_and_its_wording(site, daily):
    response = _post(site)
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    person = Subscriber.objects.get()
    assert (person.email, person.language, person.interests, person.status) == (
        "ada@example.org",
        "en",
        ["isola", "baggio"],
        "pending",
    )
    record = ConsentRecord.objects.get()
    assert (record.action, record.source, record.wording.version, record.wording.text) == (
        "requested",
        "minisite:isola:en",
        1,
        "I agree to receive it.",
    )


def test_the_confirmation_link_arrives_and_confirms_once(site, daily, sink):
    _post(site)
    subscription = Subscription.objects.get()
    assert confirmation_send(subscription_id=subscription.pk) == "sent"
    message = email.message_from_bytes(sink.messages[0].content, policy=email.policy.default)
    assert message["To"] == "ada@example.org"
    assert "Confirm your subscription" in message["Subject"]
    body = message.get_content()
    link = re.search(r"https://quartieri\.example\.org(/newsletter/confirm/\S+/)", body).group(1)
    # GET only asks (link scanners fetch links); POST confirms.
    assert "confirm-button" in site.get(link).content.decode()
    assert Subscription.objects.get().status == "pending"
    assert "confirmed" in site.post(link).content.decode()
    site.post(link)
    assert Subscription.objects.get().status == "confirmed"
    assert Subscriber.objects.get().status == "confirmed"
    actions = list(ConsentRecord.objects.values_list("action", "wording__version"))
    assert actions == [("requested", 1), ("confirmed", 1)]


def test_an_expired_confirmation_link_confirms_nothing(site, daily, settings):
    from django.core import signing

    _post(site)
    subscription = Subscription.objects.get()
    settings.NEWSLETTER_CONFIRM_DAYS = 7
    import time
    from unittest import mock

    # A link made eight days ago (the signature carries its time).
    with mock.patch("time.time", return_value=time.time() - 8 * 86400):
        token = signing.dumps(
            [subscription.subscriber_id, subscription.newsletter_list_id],
            salt="quartieri.newsletter.confirm",
        )
    response = site.post(f"/newsletter/confirm/{token}/")
    assert response.status_code == 400
    assert Subscription.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"consent": None}, "Tick the box"),
        ({"consent": "no"}, "Tick the box"),
        ({"email": "not-an-address"}, "not an e-mail address"),
        ({"consent_version": "9"}, "consent text shown is not one we know"),
        ({"list": "weekly"}, "no newsletter called"),
        ({"next": "https://evil.example.com/"}, "return address is not one of ours"),
    ],
    ids=[
        "no_consent_case",
        "consent_no_case",
        "bad_email_case",
        "unknown_wording_case",
        "unknown_list_case",
        "open_redirect_case",
    ],
)
def test_a_bad_request_shows_the_form_again_and_writes_nothing(site, daily, fields, message):
    response = _post(site, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscriber.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_next_on_an_allowed_site_is_offered_back(site, daily, settings):
    settings.NEWSLETTER_NEXT_HOSTS = ["isola.quartieri.example.org"]
    response = _post(site, next="https://isola.quartieri.example.org/isola/en/")
    assert 'href="https://isola.quartieri.example.org/isola/en/"' in response.content.decode()


def test_the_honeypot_answers_alike_and_does_nothing(site, daily):
    response = _post(site, website="http://spam.example.com")
    assert response.status_code == 200
    assert not Subscriber.objects.exists()


def test_a_client_posting_too_often_is_slowed_down(site, daily, settings):
    settings.NEWSLETTER_SUBSCRIBE_PER_HOUR = 2
    assert _post(site, email="a@example.org").status_code == 200
    assert _post(site, email="b@example.org").status_code == 200
    response = _post(site, email="c@example.org")
    assert response.status_code == 429
    assert not Subscriber.objects.filter(email="c@example.org").exists()
    # Another client is not affected.
    other = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.9")
    assert _post(other, email="d@example.org").status_code == 200


def test_a_suppressed_address_is_answered_alike_and_never_mailed(site, daily):
    suppression_add(email="ada@example.org", reason=Suppression.Reason.HARD_BOUNCE)
    response = _post(site)
    assert response.status_code == 200
    assert not Subscriber.objects.exists()


def test_the_get_form_shows_the_current_wording(client, daily):
    from quartieri.newsletter.services import wording_publish

    wording_publish(actor=None, newsletter_list=daily, language="en", text="Version two.")
    page = client.get(URL + "?language=en").content.decode()
    assert "Version two." in page
    assert 'name="consent_version" value="2"' in page
    assert 'name="website"' in page


def test_the_consent_json_gives_the_current_version_and_text(client, daily):
    response = client.get("/newsletter/consent/daily/it.json")
    assert response.json() == {"version": 1, "text": "Acconsento a ricevere."}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get("/newsletter/consent/daily/fr.json").status_code == 404
