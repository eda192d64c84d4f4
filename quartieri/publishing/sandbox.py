"""The demo sandbox's viewer: a staff page listing what the sandbox's fakes published.

``quartieri demo`` marks its data folder a sandbox (``settings.SANDBOX``); there the API base
URLs default to local fakes (``publishing.demo_sandbox``, run by ``quartieri serve``). The
viewer reads each fake's ``GET /_sandbox/posts`` over HTTP (no database is shared, no fake
is imported) and only from loopback addresses; its pages answer 404 outside a sandbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from quartieri.campaigns.preview import asset_preview_media
from quartieri.channels.connectors.http import SANDBOX_LISTING, tls_context
from quartieri.channels.preview import Preview, PreviewMedia, PreviewPost
from quartieri.channels.registry import Platform, kind_for
from quartieri.channels.rules import PostType
from quartieri.lib.env import LOOPBACK_HOSTS
from quartieri.publishing.models import OutboxEntry


def sandbox_viewer_base() -> str:
    return f"{settings.PUBLIC_URL}{reverse('publishing:sandbox')}"


# --- The viewer's side: reading the fakes over HTTP ---------------------------------------------
@dataclass(frozen=True)
class SandboxMedia:
    url: str
    kind: str
    local_url: str  # the same file on this server, when the sandbox's media address maps
    alt: str = ""


@dataclass
class SandboxPost:
    platform: str
    id: str
    aliases: tuple[str, ...]
    account: str
    kind: str
    text: str
    title: str
    media: list[SandboxMedia]
    options: list[tuple[str, str]]
    created: dt.datetime
    status: str
    entry: OutboxEntry | None = None
    # The post drawn as its platform shows it (the kind's preview), once its entry is known.
    preview: Preview | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    @property
    def platform_label(self) -> str:
        return str(Platform(self.platform).label) if self.platform in Platform else self.platform


@dataclass
class SandboxListing:
    posts: list[SandboxPost]
    problems: list[str]


def _local_media(url: str) -> str:
    base = settings.PUBLISHING_MEDIA_URL or settings.SANDBOX_MEDIA_URL
    return f"{settings.MEDIA_URL}{url.removeprefix(base)}" if url.startswith(base) else ""


def _media(item: Any) -> SandboxMedia | None:
    if not isinstance(item, dict):
        return None
    url = str(item.get("url", ""))
    return SandboxMedia(
        url=url,
        kind=str(item.get("kind", "")),
        local_url=_local_media(url),
        alt=str(item.get("alt", "")),
    )


def _post(platform: str, item: Any) -> SandboxPost | None:
    if not isinstance(item, dict) or not item.get("id"):
        return None
    options = item.get("options")
    options = options if isinstance(options, dict) else {}
    created = float(item.get("created") or 0)
    return SandboxPost(
        platform=str(item.get("platform") or platform),
        id=str(item["id"]),
        aliases=tuple(str(alias) for alias in item.get("aliases") or [] if alias),
        account=str(item.get("account", "")),
        kind=str(item.get("kind", "")),
        text=str(item.get("text", "")),
        title=str(item.get("title", "")),
        media=[m for m in (_media(x) for x in item.get("media") or []) if m is not None],
        options=sorted((str(key), str(value)) for key, value in options.items()),
        created=dt.datetime.fromtimestamp(created, tz=dt.UTC),
        status=str(item.get("status", "")),
    )


def _is_local(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS  # hostname: no brackets


def _read(name: str, base: str, platform: str) -> tuple[list[SandboxPost], str]:
    """One fake's listing, or the problem in plain words."""
    if not _is_local(base):
        # A real platform's address: the viewer never sends it anything.
        return [], _("%(name)s is not a local sandbox here (%(url)s).") % {
            "name": name,
            "url": base,
        }
    try:
        response = httpx.get(
            f"{base.rstrip('/')}{SANDBOX_LISTING}", timeout=3.0, verify=tls_context()
        )
        response.raise_for_status()
        items = response.json().get("posts", [])
    except (httpx.HTTPError, ValueError, AttributeError):
        return [], _(
            "The %(name)s sandbox does not answer at %(url)s: start the platform with "
            "“quartieri serve” (or only the sandbox with “quartieri sandbox”)."
        ) % {"name": name, "url": base}
    return [post for post in (_post(platform, item) for item in items) if post is not None], ""


def sandbox_fetch() -> SandboxListing:
    """What the sandbox's fakes have published, newest first, each with its outbox entry."""
    posts: list[SandboxPost] = []
    problems: list[str] = []
    sources = (
        (str(Platform.TIKTOK.label), settings.TIKTOK_API_URL, Platform.TIKTOK),
        ("Instagram/Facebook", settings.META_GRAPH_URL, "meta"),
    )
    for name, base, platform in sources:
        found, problem = _read(name, base, platform)
        posts.extend(found)
        if problem:
            problems.append(problem)
    _attach_entries(posts)
    return SandboxListing(
        posts=sorted(posts, key=lambda p: p.created, reverse=True), problems=problems
    )


def _attach_entries(posts: Iterable[SandboxPost]) -> None:
    """Each post's outbox entry, by the ids the platform gave it (one query)."""
    posts = list(posts)
    ids = {post_id for post in posts for post_id in post.ids}
    if not ids:
        return
    entries = (
        OutboxEntry.objects.filter(Q(publish_id__in=ids) | Q(platform_post_id__in=ids))
        .select_related("account", "variant__content_item")
        .prefetch_related("variant__media")
    )
    by_id: dict[tuple[str, str], OutboxEntry] = {}
    for entry in entries:
        for post_id in (entry.publish_id, entry.platform_post_id):
            if post_id:
                by_id[(entry.account.platform, post_id)] = entry
    for post in posts:
        post.entry = next(
            (by_id[(post.platform, i)] for i in post.ids if (post.platform, i) in by_id), None
        )
        post.preview = sandbox_preview(post)


# What the fakes call a post's kind (Graph's media_type, lower-cased) → our post types.
_RECEIVED_TYPES = {
    "reels": PostType.REEL,
    "stories": PostType.STORY,
    "carousel_album": PostType.CAROUSEL,
    "image": PostType.FEED,
}


def sandbox_preview(post: SandboxPost) -> Preview | None:
    """A received post drawn by its kind, as the editor's preview draws a variant: the text
    and title as the platform received them; the media as the platform fetched them, or the
    variant's own files when the platform took an upload (a TikTok FILE_UPLOAD video)."""
    if post.platform not in Platform.values:
        return None
    entry = post.entry
    media = tuple(
        PreviewMedia(kind=item.kind, url=item.local_url, alt=item.alt)
        for item in post.media
        if item.local_url
    )
    if entry is not None and not media:
        media = tuple(asset_preview_media(asset) for asset in entry.variant.media.all())
    received = _RECEIVED_TYPES.get(post.kind, post.kind)
    preview_post = PreviewPost(
        account=entry.account.handle if entry else post.account,
        name=str(entry.account) if entry else post.account,
        post_type=entry.variant.post_type if entry else received,
        text=post.text,
        title=post.title,
        media=media,
        language=entry.account.language if entry else "",
    )
    return kind_for(post.platform).preview(post=preview_post)


def sandbox_find(*, platform: str, post_id: str) -> tuple[SandboxPost | None, list[str]]:
    listing = sandbox_fetch()
    post = next((p for p in listing.posts if p.platform == platform and post_id in p.ids), None)
    return post, listing.problems


def sandbox_entry_link(entry: OutboxEntry) -> str:
    """Where the staff pages send a person to see a published post.

    In the sandbox every platform link leads to the viewer (TikTok's connector builds
    tiktok.com addresses itself), so nothing opens the real platforms.
    """
    if not settings.SANDBOX:
        return entry.permalink
    post_id = entry.publish_id or entry.platform_post_id
    if entry.state != OutboxEntry.State.PUBLISHED or not post_id:
        return ""
    return reverse("publishing:sandbox_post", args=[entry.account.platform, post_id])
