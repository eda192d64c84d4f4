"""The connector interface every platform implements, and the errors the outbox branches on.

A publish is split into steps with different retry rules (docs/publishing.md):

- ``submit``: the irreversible call (TikTok ``video/init``, an Instagram container, a
  Facebook ``/feed`` post). Never retried blindly: a timeout or a dropped connection raises
  ``MaybeSubmitted`` and the caller reconciles.
- ``status``: read-only polling; retry freely on ``RetryableError``.
- ``finalize``: Instagram ``media_publish``; it checks the container first, so calling it on
  an already published container is safe.
- ``reconcile``: asks the platform whether a maybe-submitted post exists.
- ``refresh``: exchanges a refresh token for a new ``TokenSet``.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


# --- Errors -------------------------------------------------------------------------------
class ConnectorError(Exception):
    """Base of every error a connector raises; ``detail`` is the platform's own words (logs)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail


class RetryableError(ConnectorError):
    """Network failure or a 5xx on a call that is safe to repeat (reads, polls)."""


class RateLimited(ConnectorError):  # noqa: N818 (names fixed by issue 6)
    """Too many calls or posts. Nothing was done; try again after ``retry_after_seconds``.

    ``retry_after_seconds`` is None when the platform does not say; ``scope`` names the
    limit (``app``, ``user``, ``page``, ``business``, ``publishing_quota``, ``creator_daily``)
    so the outbox can pause the right thing: the whole app, one account or one day.
    """

    def __init__(self, detail: str = "", *, retry_after_seconds: float | None, scope: str) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
        self.scope = scope


class TokenExpired(ConnectorError):  # noqa: N818 (names fixed by issue 6)
    """The access token is expired or revoked: refresh it, or ask a person to reconnect."""


class PermanentError(ConnectorError):
    """The platform refused for a reason that repeating will not fix.

    ``reason`` and ``action`` are plain words for the person who scheduled the post (what
    went wrong, what to do); ``detail`` keeps the platform's message and codes for logs.
    """

    def __init__(self, *, reason: str | Promise, action: str | Promise, detail: str = "") -> None:
        super().__init__(detail or str(reason))
        self.reason = reason
        self.action = action


def media_contract_error(*, platform: str, detail: str) -> PermanentError:
    """Media the post type does not take reached a connector. The kind's rules table
    (``campaigns.validation``) refuses such a post at draft, submit, approval and
    scheduling, with the one message naming the rule: this is a broken contract, not a
    second message for the same rule. ``detail`` (for the log) says what was wrong."""
    return PermanentError(
        reason=_("The post's media do not fit what %(platform)s takes for this kind of post.")
        % {"platform": platform},
        action=_("Open the post: its rules panel says what to change."),
        detail=detail,
    )


class MaybeSubmitted(ConnectorError):  # noqa: N818 (names fixed by issue 6)
    """A non-idempotent call was sent but its answer never arrived: the post may exist.

    The caller marks the post unconfirmed and calls ``reconcile``; it must never submit
    again before reconcile says the post is not there. ``publish_id`` is set when the
    platform had already given an id for the post (TikTok publish_id, Instagram container).
    """

    def __init__(self, detail: str = "", *, publish_id: str = "") -> None:
        super().__init__(detail)
        self.publish_id = publish_id


# --- Requests and results -----------------------------------------------------------------
class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class PostKind(enum.StrEnum):
    """What is being posted; each connector supports a subset (``supported_kinds``)."""

    TEXT = "text"  # Facebook feed post, optionally with a link
    IMAGE = "image"  # one image (IG feed, FB photo, TikTok photo post)
    CAROUSEL = "carousel"  # several images (IG carousel, TikTok photo post with several)
    VIDEO = "video"  # TikTok video, FB page video
    REEL = "reel"  # IG Reels
    STORY = "story"  # IG Stories


@dataclass(frozen=True)
class MediaItem:
    """One picture or video: a public URL the platform downloads, or a local file we send."""

    kind: MediaKind
    url: str = ""
    path: Path | None = None
    duration_seconds: float | None = None  # videos: checked against creator limits

    def __post_init__(self) -> None:
        if bool(self.url) == (self.path is not None):
            raise ValueError("A MediaItem needs exactly one of url or path")


@dataclass(frozen=True)
class PlatformOptions:
    """Base of each connector's own options (TikTokOptions, InstagramOptions, …)."""


@dataclass(frozen=True)
class PostRequest:
    """One post for one account.

    ``marker`` is a short string the caller has put inside ``text`` (for example the short
    link of the post) so that ``reconcile`` can recognise the post among recent ones.
    """

    kind: PostKind
    text: str = ""
    media: tuple[MediaItem, ...] = ()
    options: PlatformOptions | None = None
    marker: str = ""

    def __post_init__(self) -> None:
        if self.marker and self.marker not in self.text:
            raise ValueError("The reconciliation marker must appear in the post text")


class PublishState(enum.StrEnum):
    PROCESSING = "processing"  # the platform is still working: poll status again
    READY = "ready"  # Instagram container FINISHED: call finalize to publish it
    PUBLISHED = "published"
    FAILED = "failed"


@dataclass(frozen=True)
class SubmitResult:
    """What submit learned. Persist ``publish_id`` before polling: it is the handle."""

    state: PublishState
    publish_id: str = ""  # TikTok publish_id, Instagram container id (what status polls)
    platform_post_id: str = ""  # the post's own id, once the platform has given it
    permalink: str = ""


@dataclass(frozen=True)
class StatusResult:
    state: PublishState
    platform_post_id: str = ""
    permalink: str = ""
    error: PermanentError | None = None  # set when state is FAILED


@dataclass(frozen=True)
class ReconcileResult:
    """Whether a maybe-submitted post exists on the platform."""

    found: bool
    platform_post_id: str = ""
    permalink: str = ""
    state: PublishState | None = None
    matches: int = 0  # more than one means duplicates already exist: tell a person
    # False when "not found" proves nothing: the platform's list was not read back to the
    # submit time (too many posts since), or the list never shows such a post (``reason``
    # says why and where a person can check), so sending again could duplicate the post.
    conclusive: bool = True
    reason: str | Promise = ""


@dataclass(frozen=True)
class ReconcileQuery:
    """What we know about a post whose submit may have happened."""

    publish_id: str = ""  # TikTok publish_id or Instagram container id, when we got one
    marker: str = ""  # the string we put in the caption
    since: datetime | None = None  # the submit started after this instant
    # The post as it was sent: whether the platform's listing can show it depends on it
    # (``Connector.unlisted_reason``). None: not known, a listing proves nothing for it.
    request: PostRequest | None = None


@dataclass(frozen=True)
class RecentPost:
    platform_post_id: str
    text: str
    created_at: datetime | None
    permalink: str = ""


@dataclass(frozen=True)
class RecentPosts:
    """An account's posts made since an instant, newest first.

    ``complete`` says every such post was read: the list reached a post older than the
    instant, or its end. Without an instant only the first page is read.
    """

    posts: list[RecentPost]
    complete: bool


# A page of recent posts as a connector reads it: the posts, and whether the platform says
# more (older) ones follow.
RecentPage = tuple[list[RecentPost], bool]

# How many pages reconciliation reads at most before leaving the post to a person
# (TikTok lists 20 videos a page, Meta 25 posts: 500–625 posts back).
MAX_RECENT_PAGES = 25


@dataclass(frozen=True)
class MetricReading:
    """One figure read from a platform's insights (read-only calls, docs/publishing.md).

    ``metric`` is the platform's own name; ``object_id`` the post it describes ('' for the
    account); ``day`` the day a daily figure counts, None for a running total read now.
    """

    metric: str
    value: int
    object_id: str = ""
    day: date | None = None


@dataclass(frozen=True)
class QuotaReading:
    """The platform's own count of an account's posts against its rolling publishing limit
    (Instagram's ``content_publishing_limit``): ``usage`` made, of ``total`` allowed (None
    when the platform did not say)."""

    usage: int
    total: int | None = None


@dataclass(frozen=True)
class TokenSet:
    """Tokens as the platform returned them; lifetimes come from the response, never code."""

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None  # None: the platform gave no expiry
    refresh_expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()

    @classmethod
    def from_response(
        cls,
        *,
        access_token: str,
        refresh_token: str = "",
        expires_in: object = None,
        refresh_expires_in: object = None,
        scopes: tuple[str, ...] = (),
        now: datetime | None = None,
    ) -> TokenSet:
        now = now or timezone.now()
        return cls(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=_expiry(now, expires_in),
            refresh_expires_at=_expiry(now, refresh_expires_in),
            scopes=scopes,
        )


def _expiry(now: datetime, seconds: object) -> datetime | None:
    # Meta omits expires_in (or sends 0) for tokens that do not expire.
    if isinstance(seconds, bool) or not isinstance(seconds, int | float | str):
        return None
    try:
        value = int(seconds)
    except ValueError:
        return None
    return now + timedelta(seconds=value) if value > 0 else None


@dataclass(frozen=True)
class AccountAuth:
    """The account a connector acts for."""

    access_token: str
    account_id: str = ""  # what the API calls the account (ChannelKind.account_id)
    handle: str = ""  # as the city wrote it (a Mastodon handle names its server too)


@dataclass(frozen=True)
class AppCredentials:
    """The app's own id and secret, needed to refresh tokens (TikTok client_key, Meta app)."""

    client_id: str
    client_secret: str = field(repr=False)


# --- The interface --------------------------------------------------------------------------
class Connector(ABC):
    """One platform. Instances hold an account's token and an HTTP client; close() them."""

    slug: ClassVar[str]
    display_name: ClassVar[str]
    supported_kinds: ClassVar[frozenset[PostKind]]
    # The last quota reading this instance made (Instagram's finalize), also when it then
    # refused to publish; account_call stores it on the account. None: nothing was read.
    quota_reading: QuotaReading | None = None

    @abstractmethod
    def submit(self, *, request: PostRequest) -> SubmitResult: ...

    @abstractmethod
    def status(self, *, publish_id: str) -> StatusResult: ...

    def finalize(self, *, publish_id: str) -> StatusResult:
        """Make a READY post public; platforms without this step just report status."""
        return self.status(publish_id=publish_id)

    @abstractmethod
    def reconcile(self, *, query: ReconcileQuery) -> ReconcileResult: ...

    @abstractmethod
    def recent_posts(self, *, since: datetime | None = None) -> RecentPosts: ...

    # How many leading characters (UTF-16 units, the stricter count) of a post's text the
    # platform's listing returns whole; None: all of it. The outbox puts its marker inside.
    listed_text_length: ClassVar[int | None] = None

    # Whether ``reconcile`` reads ``ReconcileQuery.request`` (its ``unlisted_reason`` does):
    # the outbox builds the post as sent only for such a connector.
    reconcile_reads_request: ClassVar[bool] = False

    @classmethod
    def unlisted_reason(cls, request: PostRequest | None) -> str | Promise:
        """Why ``recent_posts`` may not show ``request`` even when it was published, in plain
        words with where a person can check; "" when the platform documents that its
        listing shows such a post (then "not found" there means "not posted")."""
        return ""

    @abstractmethod
    def refresh(self, *, refresh_token: str) -> TokenSet: ...

    @abstractmethod
    def close(self) -> None: ...

    # Insights: read-only, so RetryableError may be retried. A platform without insights
    # reads nothing. ``insights_batch_size`` is how many post ids one call accepts.
    insights_batch_size: ClassVar[int] = 1

    def post_insights(self, *, post_ids: Sequence[str]) -> list[MetricReading]:
        """Running totals (views, reach…) of published posts, by their platform ids."""
        return []

    def account_insights(self, *, first_day: date, last_day: date) -> list[MetricReading]:
        """The account's daily figures from ``first_day`` to ``last_day`` (inclusive), plus
        any running totals the platform gives only as of now (``day`` None)."""
        return []

    def check_kind(self, request: PostRequest) -> None:
        if request.kind not in self.supported_kinds:
            raise PermanentError(
                reason=_("%(platform)s cannot publish this kind of post (%(kind)s).")
                % {"platform": self.display_name, "kind": request.kind},
                action=_("Choose a kind of post this platform supports."),
            )


# Platforms give times to the second and their clocks are not ours: a post is "after" an
# instant if it is no more than this before it.
CLOCK_SLACK = timedelta(minutes=2)


def posted_after(created_at: datetime | None, since: datetime | None) -> bool:
    if since is None or created_at is None:
        return True
    return created_at >= since - CLOCK_SLACK


def read_back_to(pages: Iterator[RecentPage], *, since: datetime | None) -> RecentPosts:
    """Read pages (newest first) until one reaches a post older than ``since``, the list
    ends, or MAX_RECENT_PAGES were read; keep the posts made since."""
    posts: list[RecentPost] = []
    more = False
    for number, (page, more) in enumerate(pages, start=1):
        posts.extend(post for post in page if posted_after(post.created_at, since))
        reached = any(not posted_after(post.created_at, since) for post in page)
        if reached or not more:
            return RecentPosts(posts, complete=True)
        if since is None or number >= MAX_RECENT_PAGES:
            break
    # Pages ran out (or were not all read) while the platform said more followed.
    return RecentPosts(posts, complete=not more)


def reconcile_among(
    recent: RecentPosts, *, query: ReconcileQuery, unlisted: str | Promise = ""
) -> ReconcileResult:
    """Find the posts carrying our marker, made after ``query.since`` (shared by connectors).

    ``unlisted``: the connector's ``unlisted_reason`` for the post; when set, not finding it
    proves nothing (the listing would not show it anyway).
    """
    if not query.marker:
        raise ValueError("Reconciling by recent posts needs the marker put in the caption")
    found = [
        post
        for post in recent.posts
        if query.marker in post.text and posted_after(post.created_at, query.since)
    ]
    if not found:
        return ReconcileResult(
            found=False, conclusive=recent.complete and not unlisted, reason=unlisted
        )
    first = found[0]
    return ReconcileResult(
        found=True,
        platform_post_id=first.platform_post_id,
        permalink=first.permalink,
        state=PublishState.PUBLISHED,
        matches=len(found),
    )
