"""Connecting channel accounts through OAuth, against the local fakes of TikTok and Meta.

The browser's trip is replayed by hand: the start view's redirect is fetched from the fake
(whose authorize page answers at once with a redirect), and the callback URL it gives is
requested with the signed-in test client. Every refusal is checked for what must NOT
happen too: no token stored, the old credential untouched, no audit row, no code spent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from quartieri.accounts.models import AuditEvent, Role, User
from quartieri.channels.connectors.authorize import pkce_challenge
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook
from quartieri.channels.kinds.instagram.fake import IG_USER, FakeInstagram
from quartieri.channels.kinds.meta.graph_login_fake import SECOND_PAGE_ID
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.models import AccountGrant, ChannelAccount, PlatformCredential
from quartieri.channels.services import credential_store
from quartieri.publishing import oauth
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

CALLBACK = "http://127.0.0.1:8000/publishing/connect/{login}/callback/"
TOKEN = "/v2/oauth/token/"


# --- Fixtures -------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _platforms(settings: Any, fake_tiktok: FakeTikTok) -> None:
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    settings.TIKTOK_AUTH_URL = settings.TIKTOK_API_URL = fake_tiktok.url
    settings.TIKTOK_CLIENT_KEY = fake_tiktok.client_key
    settings.TIKTOK_CLIENT_SECRET = fake_tiktok.client_secret
    settings.META_APP_ID, settings.META_APP_SECRET = "fake-app", "fake-app-secret"


@pytest.fixture
def meta(settings: Any, request: Any) -> Iterator[FakeFacebook | FakeInstagram]:
    """The Meta fake for the test's platform (parametrised indirectly, Facebook by default)."""
    fake_class = FakeInstagram if getattr(request, "param", "") == "instagram" else FakeFacebook
    with fake_class() as fake:
        settings.META_DIALOG_URL = settings.META_GRAPH_URL = fake.url
        yield fake


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    # Staff pages default to Italian; these tests read the English msgids.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def tiktok(approver: User) -> ChannelAccount:
    """The institutional TikTok account; Giulia (approver) may publish there."""
    account = ChannelAccount.objects.create(platform="tiktok", handle="@comunedimilano")
    AccountGrant.objects.create(account=account, user=approver, can_publish=True)
    return account


@pytest.fixture
def facebook(approver: User) -> ChannelAccount:
    account = ChannelAccount.objects.create(platform="facebook", handle="Comune di Milano")
    AccountGrant.objects.create(account=account, user=approver, can_publish=True)
    return account


@pytest.fixture
def instagram(approver: User) -> ChannelAccount:
    account = ChannelAccount.objects.create(platform="instagram", handle="@comunemilano")
    AccountGrant.objects.create(account=account, user=approver, can_publish=True)
    return account


@pytest.fixture
def giulia(client_for: Any, approver: User) -> Client:
    return client_for(approver)


# --- Helpers --------------------------------------------------------------------------------
def to_platform(client: Client, account: ChannelAccount) -> str:
    """Press "Connect": the platform's authorize URL the browser is sent to."""
    response = client.get(f"/publishing/connect/{account.pk}/start/")
    assert response.status_code == 302
    return response["Location"]


def platform_answer(authorize_url: str) -> str:
    """What the (fake) platform redirects the browser to: the callback path and query."""
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    parts = urlsplit(answer.headers["Location"])
    return f"{parts.path}?{parts.query}"


def query(url: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}


def with_param(url: str, **changes: str) -> str:
    params = query(url) | changes
    return urlsplit(url).path + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def said(response: Any) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def old_credential(account: ChannelAccount) -> PlatformCredential:
    credential = credential_store(
        actor=None,
        account=account,
        tokens=TokenSet(access_token="old-access", refresh_token="old-refresh"),
        external_id="old-id",
    )
    AuditEvent.objects.all().delete()
    return credential


def assert_untouched(account: ChannelAccount) -> None:
    credential = PlatformCredential.objects.get(account=account)
    assert (credential.access_token, credential.refresh_token) == ("old-access", "old-refresh")
    assert credential.external_id == "old-id"
    assert not AuditEvent.objects.filter(action__startswith="publishing.credential").exists()


# --- TikTok -------------------------------------------------------------------------------
def test_tiktok_connect_stores_both_tokens_their_expiries_and_the_open_id(
    giulia, tiktok, fake_tiktok, approver
):
    before = timezone.now()
    authorize = to_platform(giulia, tiktok)
    asked = query(authorize)
    response = giulia.get(platform_answer(authorize))

    assert response.status_code == 302
    assert response["Location"] == f"/publishing/connect/{tiktok.pk}/"
    assert "is connected" in said(response)
    credential = PlatformCredential.objects.get(account=tiktok)
    assert credential.access_token.startswith("fake-access-")
    assert credential.refresh_token in fake_tiktok.refresh_tokens
    assert credential.external_id == "fake-open-id"
    assert credential.scopes == ["user.info.basic", "video.publish", "video.list"]
    # Lifetimes as the platform gave them (the fake answers 7200 s and 180 days).
    after = timezone.now()
    lifetime = dt.timedelta(seconds=7200)
    assert before + lifetime <= credential.expires_at <= after + lifetime
    lifetime = dt.timedelta(seconds=15_552_000)
    assert before + lifetime <= credential.refresh_expires_at <= after + lifetime
    # PKCE S256: the verifier sent to the token endpoint hashes to the challenge sent first.
    [exchange] = fake_tiktok.requests_to(TOKEN)
    form = exchange.form()
    assert asked["code_challenge_method"] == "S256"
    assert pkce_challenge(form["code_verifier"]) == asked["code_challenge"]
    assert form["redirect_uri"] == asked["redirect_uri"] == CALLBACK.format(login="tiktok")
    assert asked["scope"] == "user.info.basic,video.publish,video.list"
    event = AuditEvent.objects.get(action="publishing.credential_connect")
    assert event.actor == approver
    assert "fake-access" not in f"{event.before} {event.after}"
    assert "fake-refresh" not in f"{event.before} {event.after}"


def test_reconnecting_replaces_the_tokens_and_clears_reconnect_needed(giulia, tiktok):
    credential = old_credential(tiktok)
    PlatformCredential.objects.filter(pk=credential.pk).update(status="reconnect_needed")

    giulia.get(platform_answer(to_platform(giulia, tiktok)))

    credential.refresh_from_db()
    assert credential.access_token.startswith("fake-access-")
    assert credential.status == PlatformCredential.Status.OK
    assert AuditEvent.objects.get().action == "publishing.credential_reconnect"


def test_a_denied_authorisation_stores_nothing_and_says_so(giulia, tiktok, fake_tiktok):
    old_credential(tiktok)
    fake_tiktok.refuse_next_authorization()

    response = giulia.get(platform_answer(to_platform(giulia, tiktok)))

    assert response["Location"] == f"/publishing/connect/{tiktok.pk}/"
    assert "You did not give quartieri permission on TikTok" in said(response)
    assert_untouched(tiktok)
    assert fake_tiktok.requests_to(TOKEN) == []


def test_a_forged_state_is_refused_before_the_code_is_spent(giulia, tiktok, fake_tiktok):
    old_credential(tiktok)
    callback = platform_answer(to_platform(giulia, tiktok))

    response = giulia.get(with_param(callback, state="forged-by-someone"))

    assert "not started in this browser session" in said(response)
    assert response["Location"] == "/publishing/connect/"
    assert_untouched(tiktok)
    assert fake_tiktok.requests_to(TOKEN) == []


def test_a_callback_in_another_persons_session_is_refused(
    giulia, client_for, tiktok, fake_tiktok, admin_user
):
    old_credential(tiktok)
    callback = platform_answer(to_platform(giulia, tiktok))

    response = client_for(admin_user).get(callback)

    assert "not started in this browser session" in said(response)
    assert_untouched(tiktok)
    assert fake_tiktok.requests_to(TOKEN) == []


def test_a_replayed_callback_changes_nothing(giulia, tiktok, fake_tiktok):
    callback = platform_answer(to_platform(giulia, tiktok))
    giulia.get(callback)
    first = PlatformCredential.objects.get(account=tiktok)

    response = giulia.get(callback)

    assert "already used" in said(response)
    again = PlatformCredential.objects.get(account=tiktok)
    assert (again.access_token, again.refresh_token) == (first.access_token, first.refresh_token)
    assert len(fake_tiktok.requests_to(TOKEN)) == 1


def test_a_code_the_platform_already_spent_is_refused(giulia, tiktok, fake_tiktok):
    # given an account connected with the code of a first attempt
    first_callback = platform_answer(to_platform(giulia, tiktok))
    giulia.get(first_callback)
    connected = PlatformCredential.objects.get(account=tiktok)
    # when a second attempt comes back carrying that same code
    second = platform_answer(to_platform(giulia, tiktok))
    response = giulia.get(with_param(second, code=query(first_callback)["code"]))

    # then TikTok refuses it and the first connection stays
    assert "refused to complete the connection" in said(response)
    assert PlatformCredential.objects.get(account=tiktok).access_token == connected.access_token
    assert fake_tiktok.requests_to(TOKEN)[-1].form()["code"] == query(first_callback)["code"]


def _tamper_verifier(client: Client, verifier: str) -> None:
    session = client.session
    flows = session[oauth.FLOWS_KEY]
    for flow in flows.values():
        flow["verifier"] = verifier
    session[oauth.FLOWS_KEY] = flows
    session.save()


def test_a_wrong_verifier_is_refused_by_the_platform(giulia, tiktok, fake_tiktok):
    old_credential(tiktok)
    callback = platform_answer(to_platform(giulia, tiktok))
    _tamper_verifier(giulia, "x" * 64)

    response = giulia.get(callback)

    assert "refused to complete the connection" in said(response)
    assert_untouched(tiktok)
    [exchange] = fake_tiktok.requests_to(TOKEN)
    assert exchange.form()["code_verifier"] == "x" * 64


def test_a_missing_verifier_stops_before_the_platform(giulia, tiktok, fake_tiktok):
    old_credential(tiktok)
    callback = platform_answer(to_platform(giulia, tiktok))
    _tamper_verifier(giulia, "")

    response = giulia.get(callback)

    assert "lost its security check" in said(response)
    assert_untouched(tiktok)
    assert fake_tiktok.requests_to(TOKEN) == []


def test_an_expired_attempt_is_refused(giulia, tiktok, fake_tiktok):
    callback = platform_answer(to_platform(giulia, tiktok))
    session = giulia.session
    flows = session[oauth.FLOWS_KEY]
    for flow in flows.values():
        flow["started"] -= oauth.FLOW_SECONDS + 1
    session[oauth.FLOWS_KEY] = flows
    session.save()

    response = giulia.get(callback)

    assert "has expired" in said(response)
    assert not PlatformCredential.objects.filter(account=tiktok).exists()


def test_wrong_app_keys_are_named_as_the_problem(giulia, tiktok, fake_tiktok, settings):
    callback = platform_answer(to_platform(giulia, tiktok))
    settings.TIKTOK_CLIENT_SECRET = "not-the-secret"

    response = giulia.get(callback)

    assert "does not accept quartieri's app keys" in said(response)
    assert not PlatformCredential.objects.filter(account=tiktok).exists()


def test_without_app_keys_the_connect_does_not_start(giulia, tiktok, settings):
    settings.TIKTOK_CLIENT_KEY = ""

    response = giulia.get(f"/publishing/connect/{tiktok.pk}/start/")

    assert response["Location"] == f"/publishing/connect/{tiktok.pk}/"
    assert "QUARTIERI_TIKTOK_CLIENT_KEY" in said(response)
    assert oauth.FLOWS_KEY not in giulia.session


# --- Who may connect ------------------------------------------------------------------------
def test_someone_who_may_not_publish_there_gets_403_at_every_step(
    client_for, tiktok, editor, giulia, fake_tiktok
):
    # Marco drafts on the account but may not publish: no page, no start, no callback.
    AccountGrant.objects.create(account=tiktok, user=editor, can_draft=True)
    marco = client_for(editor)
    assert marco.get(f"/publishing/connect/{tiktok.pk}/").status_code == 403
    assert marco.get(f"/publishing/connect/{tiktok.pk}/start/").status_code == 403
    assert oauth.FLOWS_KEY not in marco.session
    assert marco.get("/publishing/connect/").context["rows"] == []


def test_a_grant_withdrawn_during_the_connect_is_checked_at_the_callback(
    giulia, tiktok, approver, fake_tiktok
):
    callback = platform_answer(to_platform(giulia, tiktok))
    AccountGrant.objects.filter(account=tiktok, user=approver).update(can_publish=False)

    assert giulia.get(callback).status_code == 403
    assert not PlatformCredential.objects.filter(account=tiktok).exists()
    assert fake_tiktok.requests_to(TOKEN) == []


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        pytest.param("owner", True, id="owner_case"),
        pytest.param("admin", True, id="admin_case"),
        pytest.param("granted_approver", False, id="grant_does_not_count_on_personal_case"),
    ],
)
def test_a_personal_account_is_connected_by_its_owner(who, allowed, client_for, admin_user):
    mayor = make_person("mayor", Role.ANALYST)
    account = ChannelAccount.objects.create(
        platform="tiktok", handle="@beppe", kind="personal", owner=mayor
    )
    granted = make_person("chiara", Role.APPROVER)
    AccountGrant.objects.create(account=account, user=granted, can_publish=True)
    person = {"owner": mayor, "admin": admin_user, "granted_approver": granted}[who]

    response = client_for(person).get(f"/publishing/connect/{account.pk}/start/")

    assert response.status_code == (302 if allowed else 403)


def test_accounts_on_other_channels_have_no_connect_page(giulia):
    newsletter = ChannelAccount.objects.create(platform="newsletter", handle="quartieri")
    assert giulia.get(f"/publishing/connect/{newsletter.pk}/").status_code == 404


def test_the_account_page_shows_the_connection_without_tokens(giulia, tiktok):
    old_credential(tiktok)
    response = giulia.get(f"/publishing/connect/{tiktok.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "old-id" in page
    assert "old-access" not in page
    assert "old-refresh" not in page
    assert f'href="/publishing/connect/{tiktok.pk}/start/"' in page


# --- Meta: Facebook Pages and Instagram -------------------------------------------------------
def meta_connect(client: Client, account: ChannelAccount) -> Any:
    """Start, come back from the dialog: the response of the callback."""
    return client.get(platform_answer(to_platform(client, account)))


def test_facebook_connect_stores_the_chosen_pages_token(giulia, facebook, meta, approver):
    authorize = to_platform(giulia, facebook)
    response = giulia.get(platform_answer(authorize))
    assert response["Location"] == f"/publishing/connect/{facebook.pk}/page/"

    choice = giulia.get(response["Location"])
    pages = [c.page.id for c in choice.context["choices"]]
    assert pages == [PAGE_ID, SECOND_PAGE_ID]  # the Page named like the account comes first
    assert choice.context["choices"][0].matches
    done = giulia.post(f"/publishing/connect/{facebook.pk}/page/", {"page": PAGE_ID})

    assert done["Location"] == f"/publishing/connect/{facebook.pk}/"
    credential = PlatformCredential.objects.get(account=facebook)
    assert credential.access_token == f"fake-page-token-{PAGE_ID}"
    assert credential.external_id == PAGE_ID
    # A Page token from a long-lived user token does not expire; Meta has no refresh token.
    assert (credential.expires_at, credential.refresh_token) == (None, "")
    assert query(authorize)["scope"] == (
        "pages_show_list,pages_manage_posts,pages_read_engagement,publish_video"
    )
    [code_grant] = meta.requests_to("oauth/access_token$")[:1]
    assert code_grant.param("redirect_uri") == CALLBACK.format(login="meta")
    assert [r.param("grant_type") for r in meta.requests_to("oauth/access_token$")] == [
        "",
        "fb_exchange_token",
    ]
    event = AuditEvent.objects.get(action="publishing.credential_connect")
    assert event.actor == approver
    assert "fake-page-token" not in str(event.after)


def test_the_session_never_holds_the_user_token_in_clear(giulia, facebook, meta):
    meta_connect(giulia, facebook)
    pick = giulia.session[oauth.PICKS_KEY][str(facebook.pk)]
    long_lived = [token for token in meta.user_tokens if "long-lived" in token]
    assert long_lived
    assert all(token not in str(pick) for token in long_lived)


@pytest.mark.parametrize("meta", ["instagram"], indirect=True)
def test_instagram_stores_the_pages_linked_professional_account(giulia, instagram, meta):
    meta_connect(giulia, instagram)

    choice = giulia.get(f"/publishing/connect/{instagram.pk}/page/")
    usable = {c.page.id: c.usable for c in choice.context["choices"]}
    assert usable == {PAGE_ID: True, SECOND_PAGE_ID: False}
    assert 'disabled aria-describedby="page-104000000000777-note"' in choice.content.decode()
    giulia.post(f"/publishing/connect/{instagram.pk}/page/", {"page": PAGE_ID})

    credential = PlatformCredential.objects.get(account=instagram)
    assert credential.external_id == IG_USER
    assert credential.access_token == f"fake-page-token-{PAGE_ID}"


@pytest.mark.parametrize("meta", ["instagram"], indirect=True)
def test_a_page_without_instagram_account_is_refused_and_the_choice_stays(giulia, instagram, meta):
    old_credential(instagram)
    meta_connect(giulia, instagram)

    response = giulia.post(f"/publishing/connect/{instagram.pk}/page/", {"page": SECOND_PAGE_ID})

    assert response.status_code == 200  # the list again, to choose another Page
    assert "has no Instagram professional account linked" in said(response)
    assert_untouched(instagram)


def test_a_page_the_person_does_not_manage_is_refused(giulia, facebook, meta):
    old_credential(facebook)
    meta_connect(giulia, facebook)

    response = giulia.post(f"/publishing/connect/{facebook.pk}/page/", {"page": "999"})

    assert "not among those your Facebook account manages" in said(response)
    assert_untouched(facebook)


def test_no_page_chosen_is_an_error_on_the_field(giulia, facebook, meta):
    meta_connect(giulia, facebook)
    response = giulia.post(f"/publishing/connect/{facebook.pk}/page/", {})
    page = response.content.decode()
    assert 'aria-describedby="page-error"' in page
    assert "Choose one of the Pages." in page
    assert not PlatformCredential.objects.filter(account=facebook).exists()


def test_the_page_choice_without_a_login_sends_back(giulia, facebook, meta):
    response = giulia.get(f"/publishing/connect/{facebook.pk}/page/")
    assert response["Location"] == f"/publishing/connect/{facebook.pk}/"
    assert "no longer available" in said(response)


def test_a_denied_facebook_login_stores_nothing(giulia, facebook, meta):
    old_credential(facebook)
    meta.refuse_next_authorization()

    response = meta_connect(giulia, facebook)

    assert "You did not give quartieri permission on Facebook" in said(response)
    assert_untouched(facebook)
    assert meta.requests_to("oauth/access_token") == []


def test_a_reused_facebook_code_is_refused(giulia, facebook, meta):
    old_credential(facebook)
    first = platform_answer(to_platform(giulia, facebook))
    giulia.get(first)
    second = platform_answer(to_platform(giulia, facebook))

    response = giulia.get(with_param(second, code=query(first)["code"]))

    assert "refused to complete the connection" in said(response)
    assert response["Location"] == f"/publishing/connect/{facebook.pk}/"
    assert_untouched(facebook)


def test_the_page_choice_is_refused_to_someone_without_the_grant(
    client_for, facebook, meta, editor
):
    assert client_for(editor).get(f"/publishing/connect/{facebook.pk}/page/").status_code == 403
    response = client_for(editor).post(f"/publishing/connect/{facebook.pk}/page/", {"page": "1"})
    assert response.status_code == 403
