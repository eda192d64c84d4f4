"""The retry/reconcile and settle tests' world (test_recovery and test_settle import these
by name): the outbox's tasks kept in Django's DummyBackend, the Facebook fake as the
platform, the city's page where Giulia publishes and Marco only drafts, the mayor's own
page, a post Facebook refused, and a person pressing the buttons.

Not in conftest.py: the settings are for these two modules only (autouse where imported),
``page`` is the Facebook account here, not the browser page of tests/conftest.py, and
``queued`` leaves out the times the folder's ``queued`` gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.forms.models import model_to_dict
from django.test import Client

from quartieri.accounts.models import AuditEvent, User
from quartieri.accounts.roles import Role
from quartieri.campaigns.models import ContentItem
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.services import credential_store
from quartieri.publishing.models import OutboxEntry
from tests.conftest import make_person
from tests.publishing.conftest import drain, queue_backend
from tests.publishing.conftest import queued as timed_queue

State = OutboxEntry.State


@pytest.fixture(autouse=True)
def _publishing_settings(settings: Any, fake_facebook: FakeFacebook) -> None:
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.META_GRAPH_URL = fake_facebook.url
    settings.PUBLISHING_POLL_DELAYS = (0, 0, 0)
    settings.PUBLISHING_RECONCILE_DELAY_SECONDS = 60
    settings.PUBLISHING_HTTP_TIMEOUT_SECONDS = 0.5
    settings.SANDBOX = False
    queue_backend().clear()


def queued() -> list[tuple[str, dict[str, Any]]]:
    """The queued tasks without their times (a press enqueues for now or for the check)."""
    return [(name, kwargs) for name, kwargs, _at in timed_queue()]


# --- Data: the city's Facebook page, where Giulia publishes and Marco only drafts -----------
ROME = dt.timezone(dt.timedelta(hours=2))  # CEST, valid for every date in the campaign
IN_WINDOW = dt.datetime(2021, 5, 15, 10, 0, tzinfo=ROME)  # long past: due at once


@pytest.fixture
def mayor(db: None) -> User:
    return make_person("mayor", Role.APPROVER, first_name="Beppe")


def _page(handle: str, **extra: Any) -> ChannelAccount:
    account = ChannelAccount.objects.create(platform="facebook", handle=handle, **extra)
    credential_store(
        actor=None, account=account, tokens=TokenSet(access_token="tok-fb"), external_id=PAGE_ID
    )
    return account


@pytest.fixture
def page(editor: User, approver: User) -> ChannelAccount:
    account = _page("ComunediMilano")
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    return account


@pytest.fixture
def mayor_page(mayor: User, approver: User) -> ChannelAccount:
    account = _page("sindaco.demo", kind=ChannelAccount.Kind.PERSONAL, owner=mayor)
    # A grant that would allow it on an institutional account must not matter here.
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    return account


def scheduled(
    item: ContentItem, account: ChannelAccount, author: User, reviewer: User
) -> OutboxEntry:
    variant = variant_create(
        actor=author, content_item=item, account=account, post_type="feed", caption="Isola #Isola"
    )
    variant = variant_submit(actor=author, variant=variant)
    variant = variant_approve(actor=reviewer, variant=variant)
    variant_schedule(actor=reviewer, variant=variant, at=IN_WINDOW, allow_past=True)
    return OutboxEntry.objects.get(variant=variant)


@pytest.fixture
def failed(item, page, editor, approver, fake_facebook) -> OutboxEntry:
    """A post Facebook refused (it could not read the link): failed, nothing on the page."""
    fake_facebook.inject(FaultKind.PLATFORM_ERROR, path="/feed$", code=1609005)
    entry = scheduled(item, page, editor, approver)
    drain()
    entry.refresh_from_db()
    assert entry.state == State.FAILED
    assert fake_facebook.posts == []
    return entry


class Untouched:
    """Asserts that a refused press changed no field, queued no task, audited nothing."""

    def __init__(self, entry: OutboxEntry) -> None:
        self.entry = entry
        self.fields = model_to_dict(OutboxEntry.objects.get(pk=entry.pk))
        self.audit = AuditEvent.objects.count()

    def check(self) -> None:
        assert model_to_dict(OutboxEntry.objects.get(pk=self.entry.pk)) == self.fields
        assert queued() == []
        assert AuditEvent.objects.count() == self.audit


def press(client: Client, entry: OutboxEntry, action: str, **data: str) -> Any:
    # Staff pages speak Italian by default; these tests read the English msgids.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(f"/publishing/{entry.pk}/{action}/", data, follow=True)
