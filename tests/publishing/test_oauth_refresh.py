"""Tokens are renewed *before* they expire: the periodic task, its command, and the outbox.

Expiries come from what the platform answered (``expires_in``); the margin is quartieri's
own (``PUBLISHING_TOKEN_REFRESH_MARGIN_SECONDS``), never a token lifetime.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from quartieri.accounts.models import AuditEvent, Role
from quartieri.channels import connection
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.models import AccountState, ChannelAccount, PlatformCredential
from quartieri.channels.services import credential_store
from quartieri.publishing import periodic, tasks
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

TOKEN = "/v2/oauth/token/"


@pytest.fixture(autouse=True)
def _tiktok_app(settings: Any, fake_tiktok: FakeTikTok) -> None:
    settings.TIKTOK_API_URL = fake_tiktok.url
    settings.TIKTOK_CLIENT_KEY = fake_tiktok.client_key
    settings.TIKTOK_CLIENT_SECRET = fake_tiktok.client_secret
    settings.PUBLISHING_TOKEN_REFRESH_MARGIN_SECONDS = 1800


def tiktok_account(handle: str, *, expires_in: int | None, refresh: str = "fake-refresh-0"):
    owner = make_person(handle.strip("@"), Role.APPROVER)
    account = ChannelAccount.objects.create(platform="tiktok", handle=handle, owner=owner)
    tokens = TokenSet.from_response(
        access_token=f"tok-{handle}", refresh_token=refresh, expires_in=expires_in
    )
    credential_store(actor=None, account=account, tokens=tokens, external_id="open-1")
    AuditEvent.objects.all().delete()
    return account


def test_a_token_expiring_within_the_margin_is_renewed_with_its_rotated_refresh_token(
    fake_tiktok,
):
    account = tiktok_account("@soon", expires_in=600)  # 10 minutes left, margin 30

    report = tasks.refresh_expiring_tokens.call()

    credential = PlatformCredential.objects.get(account=account)
    assert report == {"renewed": 1, "reconnect_needed": 0, "failed": 0}
    assert credential.access_token.startswith("fake-access-")
    assert credential.refresh_token in fake_tiktok.refresh_tokens
    assert "fake-refresh-0" not in fake_tiktok.refresh_tokens  # rotated: the old one is dead
    assert credential.expires_at > timezone.now() + dt.timedelta(seconds=7000)
    assert credential.external_id == "open-1"
    event = AuditEvent.objects.get()
    assert (event.action, event.actor) == ("publishing.credential_refresh", None)


def test_tokens_far_from_expiry_or_without_expiry_are_left_alone(fake_tiktok):
    tiktok_account("@later", expires_in=7200)
    tiktok_account("@never", expires_in=None)

    assert connection.credential_refresh_expiring() == connection.RefreshReport()
    assert fake_tiktok.requests_to(TOKEN) == []
    assert AuditEvent.objects.count() == 0


def test_a_refused_renewal_asks_the_owner_to_reconnect_once(
    fake_tiktok, django_capture_on_commit_callbacks
):
    account = tiktok_account("@revoked", expires_in=600, refresh="revoked-elsewhere")

    with django_capture_on_commit_callbacks(execute=True):
        report = connection.credential_refresh_expiring()
        connection.credential_refresh_expiring()  # a second run e-mails nobody again

    credential = PlatformCredential.objects.get(account=account)
    assert report.reconnect_needed == 1
    assert credential.status == PlatformCredential.Status.RECONNECT_NEEDED
    assert credential.access_token == "tok-@revoked"  # nothing replaced
    assert AccountState.objects.get(account=account).reconnect_needed
    [message] = mail.outbox
    assert message.to == [account.owner.email]
    assert f"/publishing/connect/{account.pk}/" in message.body


def test_a_platform_that_does_not_answer_leaves_the_token_for_the_next_run(fake_tiktok):
    account = tiktok_account("@flaky", expires_in=600)
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path=TOKEN)

    report = connection.credential_refresh_expiring()

    credential = PlatformCredential.objects.get(account=account)
    assert report.failed == 1
    assert (credential.access_token, credential.status) == ("tok-@flaky", "ok")
    assert mail.outbox == []


def test_without_app_keys_nothing_is_sent(fake_tiktok, settings):
    settings.TIKTOK_CLIENT_KEY = ""
    tiktok_account("@nokeys", expires_in=600)

    assert connection.credential_refresh_expiring().failed == 1
    assert fake_tiktok.requests_to(TOKEN) == []


def test_the_outbox_renews_an_expiring_token_before_it_calls_the_platform(fake_tiktok):
    account = tiktok_account("@publishing", expires_in=60)

    info = connection.account_call(account, lambda connector: connector.creator_info())

    assert info.privacy_level_options
    paths = [request.path for request in fake_tiktok.requests]
    assert paths == [TOKEN, "/v2/post/publish/creator_info/query/"]
    renewed = PlatformCredential.objects.get(account=account).access_token
    assert fake_tiktok.requests[-1].bearer_token() == renewed != "tok-@publishing"


def test_the_outbox_goes_on_with_a_still_valid_token_when_renewal_fails(fake_tiktok):
    account = tiktok_account("@stillvalid", expires_in=60)
    fake_tiktok.inject(FaultKind.SERVER_ERROR, path=TOKEN)

    connection.account_call(account, lambda connector: connector.creator_info())

    assert fake_tiktok.requests[-1].bearer_token() == "tok-@stillvalid"


def test_a_long_lived_meta_token_is_exchanged_while_still_valid(settings):
    with FakeFacebook() as fake:
        settings.META_GRAPH_URL = fake.url
        settings.META_APP_ID, settings.META_APP_SECRET = fake.app_id, fake.app_secret
        account = ChannelAccount.objects.create(platform="facebook", handle="Comune")
        tokens = TokenSet.from_response(access_token="long-lived-1", expires_in=600)
        credential_store(actor=None, account=account, tokens=tokens, external_id=PAGE_ID)

        report = connection.credential_refresh_expiring()

        credential = PlatformCredential.objects.get(account=account)
        [exchange] = fake.requests_to("oauth/access_token")
        assert report.renewed == 1
        assert exchange.param("fb_exchange_token") == "long-lived-1"
        assert credential.access_token.startswith("fake-long-lived-")
        assert credential.external_id == PAGE_ID
        # Meta's answer gave the new lifetime (60 days in the fake, as in §4).
        assert credential.expires_at > timezone.now() + dt.timedelta(days=59)


def test_the_command_reports_what_it_did(fake_tiktok):
    tiktok_account("@cli", expires_in=600)
    out = io.StringIO()

    call_command(
        "publishing", "refresh-tokens", "--margin-seconds", "900", "--format", "json", stdout=out
    )

    assert json.loads(out.getvalue()) == {"renewed": 1, "reconnect_needed": 0, "failed": 0}


def test_the_command_margin_decides_what_is_due(fake_tiktok):
    tiktok_account("@cli", expires_in=600)
    out = io.StringIO()

    call_command("publishing", "refresh-tokens", "--margin-seconds", "60", stdout=out)

    assert "Renewed 0 token(s)" in out.getvalue()
    assert fake_tiktok.requests_to(TOKEN) == []


# --- The schedule: every worker's periodic tick -------------------------------------------------
@pytest.fixture
def queue(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    monkeypatch.setattr(periodic, "_last_look", {})
    backend = tasks.refresh_expiring_tokens.get_backend()
    backend.clear()
    return backend


def test_a_worker_enqueues_the_renewal_when_a_token_is_due_and_not_again_at_once(queue):
    tiktok_account("@due", expires_in=600)

    assert periodic.tick(now=timezone.now())
    assert not periodic.tick(now=timezone.now())  # the next look is in 5 minutes

    assert [result.task.name for result in queue.results] == ["refresh_expiring_tokens"]


def test_no_renewal_is_enqueued_when_nothing_is_due(queue):
    tiktok_account("@fresh", expires_in=7200)

    assert not periodic.tick(now=timezone.now())
    assert queue.results == []
