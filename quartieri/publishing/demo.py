"""Demo: make the demo's data folder a sandbox and let its scheduled posts go out there.

Runs after every other demo (``DEMO_AFTER_OTHERS``): it needs the campaigns demo's channel
accounts and posts. It

1. marks the data folder a sandbox (``settings.SANDBOX_MARKER``; off with
   ``QUARTIERI_SANDBOX=0``), so ``quartieri serve`` runs the platform fakes and every API
   address defaults to them;
2. connects the demo's TikTok, Instagram and Facebook accounts with sandbox tokens (what
   the fakes accept; ids the Meta fake knows them by);
3. gives the scheduled Instagram posts the picture Instagram requires, the way a person
   would: an editor uploads it (the post goes back to review), the approver approves and
   schedules it again for the same time;
4. records the 2021 posts as gone out in the outbox too, so that no worker tries to send
   history again (and then withdraws it while its campaign says "published");
5. leaves the outbox's two kinds of trouble in the current campaign, each as the outbox
   records it (its own settling functions, with the reason the platform's answer maps to):
   an Instagram post that failed earlier today (Instagram could not download its picture)
   and a TikTok photo post left unconfirmed (TikTok's listing does not show photo posts, so
   a person must look); and one Facebook page whose access Meta refused (error 190, the
   session expired), so the approver's "To do" has a post to retry, a post to check and an
   account to reconnect. The demo writes these outcomes; it does not provoke them against
   the fakes;
6. with ``--from-today``, schedules one Facebook post of the current campaign a minute
   after loading (``QUARTIERI_DEMO_LIVE_DELAY_SECONDS``), to watch a post go out live.

Idempotent: each step skips what is already there.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.media import media_upload
from quartieri.campaigns.models import ContentItem, Variant
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.connection import account_mark_reconnect_needed
from quartieri.channels.connectors.base import PermanentError, TokenSet
from quartieri.channels.kinds.instagram.errors import instagram_error
from quartieri.channels.kinds.tiktok.client import TikTokConnector
from quartieri.channels.models import AccountState, ChannelAccount, PlatformCredential
from quartieri.channels.registry import Platform
from quartieri.channels.services import credential_store
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.outbox import _fail, _update
from quartieri.publishing.payload import reconcile_request_for

DEMO_AFTER_OTHERS = True

PHOTO = Path(__file__).parent / "static" / "publishing" / "sandbox-photo.jpg"
PHOTO_ALT = "A map-like drawing of a neighbourhood: blue blocks and a green park."
LIVE_CAPTION = "Chiaravalle questo fine settimana: il chiostro dell'abbazia è aperto. #Chiaravalle"
# What the sandbox's TikTok fake answers for a token's lifetimes (FakeTikTok); Meta Page
# tokens have none (platform-apis.md §3.1).
TIKTOK_LIFETIMES = {"expires_in": 7200, "refresh_expires_in": 15_552_000}


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    if not settings.DEMO_SANDBOX:
        console.print(
            "Publishing: no sandbox (QUARTIERI_SANDBOX=0); the accounts stay unconnected."
        )
        return
    settings.SANDBOX_MARKER.touch()
    accounts = _demo_accounts()
    connected = sum(_connect(account) for account in accounts)
    pictured = _add_pictures(accounts)
    _settle_history()
    troubled = _trouble(accounts)
    expired = _expire(accounts)
    live = _live_post(accounts) if from_today else None
    console.print(
        f"Publishing: sandbox on (posts go to local stand-ins of the platforms); "
        f"{connected} accounts connected, {pictured} posts given a picture, {troubled} "
        f"posts in trouble and {expired} account to reconnect"
        + (f", a live post due at {timezone.localtime(live):%H:%M}." if live else ".")
    )


def _demo_accounts() -> list[ChannelAccount]:
    handles = [handle for platform, handle, _name, _kind in campaigns_demo.ACCOUNTS]
    return list(
        ChannelAccount.objects.filter(
            handle__in=handles,
            platform__in=[Platform.TIKTOK, Platform.INSTAGRAM, Platform.FACEBOOK],
        ).order_by("pk")
    )


def _external_id(account: ChannelAccount) -> str:
    # The sandbox's Meta fake makes an Instagram user or a Facebook Page for any id it is
    # asked about; distinct ids keep the accounts' posts apart. TikTok needs none.
    if account.platform == Platform.INSTAGRAM:
        return f"1784140{account.pk:010d}"
    if account.platform == Platform.FACEBOOK:
        return f"1040000{account.pk:08d}"
    return ""


def _connect(account: ChannelAccount) -> bool:
    if PlatformCredential.objects.filter(account=account).exists():
        return False
    tiktok = account.platform == Platform.TIKTOK
    tokens = TokenSet.from_response(
        access_token=f"sandbox-{account.platform}-{account.pk}",
        refresh_token=f"sandbox-refresh-{account.pk}" if tiktok else "",
        expires_in=TIKTOK_LIFETIMES["expires_in"] if tiktok else None,
        refresh_expires_in=TIKTOK_LIFETIMES["refresh_expires_in"] if tiktok else None,
    )
    credential_store(actor=None, account=account, tokens=tokens, external_id=_external_id(account))
    return True


def _people(account: ChannelAccount) -> tuple[User, User]:
    """Who uploads and who approves on ``account`` in the demo."""
    if account.is_personal and account.owner is not None:
        return account.owner, account.owner
    return User.objects.get(username="editor"), User.objects.get(username="approver")


def _add_pictures(accounts: list[ChannelAccount]) -> int:
    waiting = Variant.objects.filter(
        account__in=[a for a in accounts if a.platform == Platform.INSTAGRAM],
        status=Variant.Status.SCHEDULED,
        media__isnull=True,
    ).select_related("account", "content_item")
    for variant in waiting:
        at = variant.scheduled_at
        assert at is not None  # noqa: S101 (a scheduled variant has its time)
        author, reviewer = _people(variant.account)
        media_upload(
            actor=author,
            content_item=variant.content_item,
            file=SimpleUploadedFile(PHOTO.name, PHOTO.read_bytes(), content_type="image/jpeg"),
            alt_text=PHOTO_ALT,
            variants=[variant],
        )
        variant = variant_approve(actor=reviewer, variant=Variant.objects.get(pk=variant.pk))
        # The same time as before (allow_past: the minute may have gone while loading).
        variant_schedule(actor=reviewer, variant=variant, at=at, allow_past=True)
    return len(waiting)


def _settle_history() -> None:
    # The version bump makes the publish task queued when history was scheduled do nothing.
    OutboxEntry.objects.filter(variant__status=Variant.Status.PUBLISHED).exclude(
        state=OutboxEntry.State.PUBLISHED
    ).update(state=OutboxEntry.State.PUBLISHED, published_at=F("due_at"), version=F("version") + 1)


# Earlier today in the current campaign: what the outbox made of two posts (see the module's
# docstring). Neighbourhood (NIL), handle, post type, caption (YesMilano speaks English,
# the city Italian).
FAILED_POST = (
    "11",
    "@yesmilano",
    "feed",
    "Isola after dark: the gardens of the Stecca at sunset. #Isola",
)
# Baggio's, not Chiaravalle's: the newcomer's tour (README) drafts Chiaravalle's first TikTok post.
UNCONFIRMED_POST = (
    "55",
    "@comunedimilano",
    "photo",
    "Baggio: il lago del Parco delle Cave al tramonto. #Baggio",
)
# What Instagram answers when it cannot fetch a post's media (error subcode 2207052).
MEDIA_DOWNLOAD_SUBCODE = 2207052
EXPIRED_HANDLE = "YesMilano"
# Meta's answer to a token it no longer accepts (code 190, subcode 463: expired), as the
# Graph connector words it (meta/graph.py) and the Graph fake sends it.
EXPIRED_DETAIL = (
    "HTTP 400 code=190 subcode=463 OAuthException: Error validating access token: "
    "Session has expired (demo)"
)


def _earlier_today() -> dt.datetime:
    """A time already gone but inside the current campaign, which starts today."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    return max(midnight, now - dt.timedelta(minutes=90))


def _troubled_post(
    accounts: list[ChannelAccount], spec: tuple[str, str, str, str]
) -> OutboxEntry | None:
    nil, handle, post_type, caption = spec
    account = next((a for a in accounts if a.handle == handle), None)
    item = (
        ContentItem.objects.filter(
            campaign__slug=campaigns_demo.CURRENT_SLUG, neighbourhood__code=nil
        ).first()
        or ContentItem.objects.filter(campaign__slug=campaigns_demo.CURRENT_SLUG).first()
    )
    if account is None or item is None or Variant.objects.filter(caption=caption).exists():
        return None
    author, reviewer = _people(account)
    options = {"privacy_level": "PUBLIC_TO_EVERYONE"} if account.platform == Platform.TIKTOK else {}
    variant = variant_create(
        actor=author, content_item=item, account=account, post_type=post_type, caption=caption,
        options=options,
    )  # fmt: skip
    campaigns_demo.give_picture(variant, author=author)
    variant = variant_approve(actor=reviewer, variant=variant_submit(actor=author, variant=variant))
    at = _earlier_today()
    variant_schedule(actor=reviewer, variant=variant, at=at, allow_past=True)
    entry = OutboxEntry.objects.select_related("account").get(variant=variant)
    # As a worker's submit leaves it: one attempt, sent at its time.
    _update(entry, attempts=1, sent_at=at)
    return entry


def _trouble(accounts: list[ChannelAccount]) -> int:
    made = 0
    failed = _troubled_post(accounts, FAILED_POST)
    if failed is not None:
        error = instagram_error(9004, MEDIA_DOWNLOAD_SUBCODE, "demo")
        assert isinstance(error, PermanentError)  # noqa: S101 (the subcode is a permanent one)
        _fail(failed, error.reason, error.action)
        made += 1
    unconfirmed = _troubled_post(accounts, UNCONFIRMED_POST)
    if unconfirmed is not None:
        # What reconcile leaves for a person when TikTok's listing cannot show the post.
        reason = str(TikTokConnector.unlisted_reason(reconcile_request_for(unconfirmed)))
        _update(unconfirmed, state=OutboxEntry.State.UNCONFIRMED, last_error=reason)
        made += 1
    return made


def _expire(accounts: list[ChannelAccount]) -> int:
    account = next((a for a in accounts if a.handle == EXPIRED_HANDLE), None)
    if (
        account is None
        or AccountState.objects.filter(account=account, reconnect_needed=True).exists()
    ):
        return 0
    account_mark_reconnect_needed(account, EXPIRED_DETAIL)
    return 1


def _live_post(accounts: list[ChannelAccount]) -> dt.datetime | None:
    page = next((a for a in accounts if a.platform == Platform.FACEBOOK), None)
    item = (
        ContentItem.objects.filter(
            campaign__slug=campaigns_demo.CURRENT_SLUG, neighbourhood__code="34"
        ).first()
        or ContentItem.objects.filter(campaign__slug=campaigns_demo.CURRENT_SLUG).first()
    )
    if page is None or item is None:
        return None
    if Variant.objects.filter(account=page, caption=LIVE_CAPTION).exists():
        return None
    author, reviewer = _people(page)
    variant = variant_create(
        actor=author, content_item=item, account=page, post_type="feed", caption=LIVE_CAPTION
    )
    variant = variant_submit(actor=author, variant=variant)
    variant = variant_approve(actor=reviewer, variant=variant)
    at = timezone.now() + dt.timedelta(seconds=settings.DEMO_LIVE_DELAY_SECONDS)
    variant_schedule(actor=reviewer, variant=variant, at=at)
    return at
