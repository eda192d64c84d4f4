"""The 2021 campaign, its channel accounts with grants, and helpers to reach a status; the
files the upload tests send (real images and videos) and a client of the API.

Grants mirror the mission: the agency editors (Marco, Luca) draft on the institutional
accounts; Giulia (comms office) approves and publishes there; the mayor's Instagram is
personal and owned by the mayor, an approver with no grant anywhere.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from quartieri.accounts.models import AuditEvent, User
from quartieri.accounts.roles import Role
from quartieri.campaigns import scheduling
from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Transition, Variant
from quartieri.campaigns.services import (
    api_token_create,
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.registry import Platform, kind_for
from quartieri.channels.rules import RuleFailure
from tests.channels.options import as_options
from tests.conftest import make_person

ROME = dt.timezone(dt.timedelta(hours=2))  # CEST, valid for every date in the campaign
IN_WINDOW = dt.datetime(2021, 5, 15, 10, 0, tzinfo=ROME)


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in their English msgids; test_locale checks the Italian.
    with translation.override("en"):
        yield


@pytest.fixture
def english_client_for(client_for: Callable[[User], Client]) -> Callable[[User], Client]:
    """``client_for`` whose pages answer in English, as the messages asserted are their
    msgids. A module that asserts English pages overrides ``client_for`` with it (not this
    whole folder: test_locale asserts the Italian)."""

    def make(user: User) -> Client:
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


# "Now" for the rule that refuses posting times in the past (services._require_future):
# before every date the 2021 fixtures schedule at. Tests that need the real clock override
# this fixture by name (tests/campaigns/test_forms*.py, test_e2e_browser.py).
CAMPAIGN_ERA_NOW = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def campaign_clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(scheduling, "schedule_now", lambda: CAMPAIGN_ERA_NOW)
    return CAMPAIGN_ERA_NOW


@pytest.fixture
def mayor(db: None) -> User:
    return make_person("mayor", Role.APPROVER, first_name="Beppe")


@pytest.fixture
def campaign(db: None) -> Campaign:
    return Campaign.objects.create(
        name="Milano quartieri spring-summer 2021",
        slug="milano-quartieri-2021",
        start_date=dt.date(2021, 5, 3),
        end_date=dt.date(2021, 9, 30),
        audiences=["international-students"],
    )


@pytest.fixture
def item(campaign: Campaign, editor: User) -> ContentItem:
    return ContentItem.objects.create(
        campaign=campaign, title="Baggio – Parco delle Cave", created_by=editor
    )


def _account(platform: str, handle: str, **extra: Any) -> ChannelAccount:
    return ChannelAccount.objects.create(platform=platform, handle=handle, **extra)


@pytest.fixture
def tiktok(editor: User, other_editor: User, approver: User) -> ChannelAccount:
    account = _account(Platform.TIKTOK, "@comunedimilano")
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    AccountGrant.objects.create(account=account, user=other_editor, can_draft=True)
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    return account


@pytest.fixture
def instagram(editor: User, approver: User) -> ChannelAccount:
    account = _account(Platform.INSTAGRAM, "@yesmilano")
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    return account


@pytest.fixture
def mayor_instagram(mayor: User, editor: User, approver: User) -> ChannelAccount:
    account = _account(Platform.INSTAGRAM, "@mayor", kind=ChannelAccount.Kind.PERSONAL, owner=mayor)
    # Grants that would allow it on an institutional account must not matter here.
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    return account


VALID = {
    Platform.TIKTOK: {
        "post_type": "video",
        "caption": "Baggio, slow",
        "tiktok_privacy_level": "SELF_ONLY",
    },
    Platform.INSTAGRAM: {"post_type": "feed", "caption": "Baggio #quartieri"},
}


@pytest.fixture
def make_variant(approver: User) -> Callable[..., Variant]:
    """A valid variant drafted by ``by`` and moved to ``status`` through the services."""

    def make(
        *,
        item: ContentItem,
        account: ChannelAccount,
        by: User,
        status: str = Variant.Status.DRAFT,
        reviewer: User | None = None,
        **fields: Any,
    ) -> Variant:
        variant = variant_create(
            actor=by,
            content_item=item,
            account=account,
            **as_options(VALID[account.platform] | fields),
        )
        if status != Variant.Status.DRAFT:
            give_media(variant)  # submit refuses a post without the media it needs
        reviewer = reviewer or approver
        steps = [Variant.Status.IN_REVIEW, Variant.Status.APPROVED, Variant.Status.SCHEDULED]
        for step in steps[: steps.index(status) + 1] if status in steps else []:
            if step == Variant.Status.IN_REVIEW:
                variant = variant_submit(actor=by, variant=variant)
            elif step == Variant.Status.APPROVED:
                variant = variant_approve(actor=reviewer, variant=variant)
            else:
                variant = variant_schedule(actor=reviewer, variant=variant, at=IN_WINDOW)
        return variant

    return make


# Files as media_probe records them, fit for every rule of the kinds tested here (a
# 1080×1350 JPEG; a 20 s 1080×1920 H.264/AAC MP4 at 30 FPS with its captions). The rows are
# made by hand: validation reads the recorded facts, never the file.
FIT_MEDIA: dict[str, dict[str, Any]] = {
    "image": {
        "file": "campaigns/media/fit.jpg",
        "alt_text": "Il laghetto del Parco delle Cave",
        "width": 1080,
        "height": 1350,
        "size_bytes": 2_000_000,
        "mime_type": "image/jpeg",
        "probe": {"format": "jpeg"},
    },
    "video": {
        "file": "campaigns/media/fit.mp4",
        "caption_file": "campaigns/captions/fit.vtt",
        "width": 1080,
        "height": 1920,
        "duration_seconds": 20.0,
        "size_bytes": 20_000_000,
        "mime_type": "video/mp4",
        "probe": {"format": "mp4", "video_codec": "h264", "audio_codec": "aac", "fps": 30.0},
    },
}


def fit_media(item: ContentItem, kind: str) -> MediaAsset:
    return MediaAsset.objects.create(content_item=item, kind=kind, **FIT_MEDIA[kind])


def give_media(variant: Variant) -> list[MediaAsset]:
    """Attach the fewest files the variant's post type needs, of a kind it takes."""
    rules = kind_for(variant.account.platform).rules()
    least = rules.media_count_min.get(variant.post_type)
    kinds = rules.media_kinds.get(variant.post_type)
    if least is None:
        return []
    kind = "video" if kinds and "image" not in kinds.values else "image"
    assets = [fit_media(variant.content_item, kind) for _ in range(least.value)]
    variant.media.add(*assets)
    return assets


class Unchanged:
    """Asserts a refused call left the variant, its timeline and the audit log untouched."""

    def __init__(self, variant: Variant) -> None:
        self.variant = variant
        self.status = variant.status
        self.scheduled_at = variant.scheduled_at
        self.transitions = Transition.objects.filter(variant=variant).count()
        self.audit = AuditEvent.objects.count()

    def check(self) -> None:
        fresh = Variant.objects.get(pk=self.variant.pk)
        assert fresh.status == self.status
        assert fresh.scheduled_at == self.scheduled_at
        assert Transition.objects.filter(variant=fresh).count() == self.transitions
        assert AuditEvent.objects.count() == self.audit


def added_length(account: ChannelAccount, *, link: str = "") -> int:
    """What the outbox adds to a post's text on ``account`` (its marker line, and the
    tracked link's when the post has a link): the rules keep that much room for it."""
    return len(kind_for(account.platform).added_text(variant=Variant(account=account, link=link)))


# --- A variant for one platform's rules (test_validation, publishing/test_caption_room) ----
VARIANT_DEFAULTS: dict[str, dict[str, Any]] = {
    Platform.TIKTOK: {"post_type": "video", "tiktok_privacy_level": "PUBLIC_TO_EVERYONE"},
    Platform.INSTAGRAM: {"post_type": "feed"},
    Platform.FACEBOOK: {"post_type": "feed"},
    Platform.NEWSLETTER: {"post_type": "text"},
    Platform.MASTODON: {"post_type": "text"},
}


def platform_account(platform: str) -> ChannelAccount:
    """The one account, ``@<platform>``, that the rules tests post on."""
    account, _ = ChannelAccount.objects.get_or_create(platform=platform, handle=f"@{platform}")
    return account


def variant_for(item: ContentItem, platform: str, **fields: Any) -> Variant:
    """A variant on ``platform_account(platform)``, of the platform's usual post type unless
    ``fields`` say otherwise, with the files its post type needs (``give_media``): only the
    rule a test looks at can fail."""
    variant = Variant.objects.create(
        content_item=item,
        account=platform_account(platform),
        **as_options(VARIANT_DEFAULTS[platform] | fields),
    )
    give_media(variant)
    return variant


def media_in_place(item: ContentItem, variant: Variant, **fields) -> MediaAsset:
    """Give the variant this file in place of the fitting ones it was made with."""
    variant.media.remove(*variant.media.filter(file__startswith="campaigns/media/fit."))
    defaults = {
        "kind": "image",
        "file": "campaigns/media/baggio.jpg",
        "alt_text": "Il laghetto del Parco delle Cave",
        "width": 1080,
        "height": 1350,
        "size_bytes": 2 * 1024 * 1024,
        "mime_type": "image/jpeg",
        "probe": {"format": "jpeg"},
    }
    asset = MediaAsset.objects.create(content_item=item, **(defaults | fields))
    variant.media.add(asset)
    return asset


def one_failure(failures: list[RuleFailure]) -> RuleFailure:
    """The one failure a variant made to break one rule gives."""
    assert len(failures) == 1, [str(failure) for failure in failures]
    return failures[0]


# --- Files made for the tests: images with Pillow, videos with ffmpeg's test sources -------
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:00.900\nParco delle Cave, Baggio\n"


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (1080, 1350)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, format=fmt)
    return buffer.getvalue()


def make_video(
    folder: Path,
    *,
    size: str = "360x640",
    rate: int = 25,
    seconds: float = 1,
    codec: str = "libx264",
    audio: str | None = "aac",
    suffix: str = "mp4",
) -> Path:
    """A small real video from ffmpeg's test pattern (and silent audio), cached by recipe."""
    path = folder / f"{size}-{rate}-{seconds}-{codec}-{audio}.{suffix}"
    if path.exists():
        return path
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", f"testsrc=duration={seconds}:size={size}:rate={rate}"]
    if audio:
        command += ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-shortest", "-c:a", audio]
    command += ["-c:v", codec, "-pix_fmt", "yuv420p"]
    command += ["-preset", "ultrafast"] if codec.startswith("libx26") else []
    subprocess.run([*command, str(path)], check=True, timeout=60)  # noqa: S603
    return path


def upload(path_or_bytes: Path | bytes, name: str) -> SimpleUploadedFile:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return SimpleUploadedFile(name, data)


def stored_files(settings: Any) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- The API, called as a client does ---------------------------------------------------------
API = "/api/v1"


class Api:
    """A JSON client for the API, authenticated with a real token of ``user``."""

    def __init__(self, user: User | None, token: str | None = None) -> None:
        if user is not None and token is None:
            _row, token = api_token_create(actor=None, user=user, name="tests")
        # Messages follow Accept-Language (Italian by default); tests assert the English.
        headers = {"Accept-Language": "en"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = Client(headers=headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(API + path, params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(API + path, json.dumps(body or {}), content_type="application/json")

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(API + path, json.dumps(body), content_type="application/json")
