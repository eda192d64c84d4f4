"""A TikTok creator's own settings, read when a post is composed and checked before approval.

TikTok's guidelines (platform-apis.md §1.6) want the composer to query ``creator_info`` on
every compose, show the creator's nickname, offer only the creator's privacy options,
enforce ``max_video_post_duration_sec`` and keep comment / Duet / Stitch off where the
creator disabled them. ````campaigns.validation.variant_validate`` (so approval) applies the same checks here;
the connector repeats them before posting (``TikTokConnector._check_against_creator``).

Answers are cached for ``CACHE_SECONDS``: creator_info allows 20 calls a minute per token
(§1.2), and one compose (the page, then submit and approve) should cost one call, while a
setting the creator changes in the app still shows within a minute.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _

from quartieri.channels.base import MediaFacts, PostFacts, option_field_name
from quartieri.channels.connection import connector_for
from quartieri.channels.connectors.base import (
    ConnectorError,
    MediaKind,
    PermanentError,
    TokenExpired,
)
from quartieri.channels.kinds.tiktok.client import CreatorInfo, TikTokConnector
from quartieri.channels.kinds.tiktok.options import TikTokPostOptions
from quartieri.channels.models import ChannelAccount, PlatformCredential
from quartieri.channels.registry import Platform, kind_for
from quartieri.channels.rules import PostType, RuleFailure

CACHE_SECONDS = 60
_SOURCE = "§1.6 (creator_info, §1.3)"


@dataclass(frozen=True)
class CreatorInfoResult:
    """The creator's settings, or in ``problem`` plain words saying why they are unknown."""

    account: ChannelAccount
    info: CreatorInfo | None
    problem: str = ""


def tiktok_creator_info_for(*, account: ChannelAccount) -> CreatorInfoResult:
    """Ask TikTok (through the account's connector) for the creator's current settings."""
    if account.platform != Platform.TIKTOK:
        raise ValueError(f"{account} is not a TikTok account")
    credential = PlatformCredential.objects.filter(account=account).first()
    if credential is None:
        return CreatorInfoResult(account, None, _no_token(account))
    if credential.status == PlatformCredential.Status.RECONNECT_NEEDED:
        return CreatorInfoResult(account, None, _reconnect(account))
    # The credential's last change is in the key: a new token is asked afresh.
    key = (
        f"campaigns:tiktok-creator:{account.pk}:{credential.pk}:{credential.updated_at.timestamp()}"
    )
    info = cache.get(key)
    if isinstance(info, CreatorInfo):
        return CreatorInfoResult(account, info)
    result = _query(account)
    if result.info is not None:
        cache.set(key, result.info, CACHE_SECONDS)
    return result


def _query(account: ChannelAccount) -> CreatorInfoResult:
    try:
        connector = connector_for(account)
    except PermanentError as error:
        return CreatorInfoResult(account, None, f"{error.reason} {error.action}")
    try:
        assert isinstance(connector, TikTokConnector)  # noqa: S101 - the registry's tiktok
        return CreatorInfoResult(account, connector.creator_info())
    except TokenExpired:
        return CreatorInfoResult(account, None, _reconnect(account))
    except ConnectorError:
        problem = _(
            "TikTok did not answer for %(account)s: its settings could not be checked now. "
            "Try again in a minute."
        ) % {"account": account}
        return CreatorInfoResult(account, None, problem)
    finally:
        connector.close()


def _no_token(account: ChannelAccount) -> str:
    return _(
        "No TikTok token is connected for %(account)s, so its privacy options and longest "
        "video cannot be checked. Connect it (quartieri publishing connect) before posting."
    ) % {"account": account}


def _reconnect(account: ChannelAccount) -> str:
    return _(
        "TikTok no longer accepts the token of %(account)s: connect the account again, then "
        "its settings can be checked."
    ) % {"account": account}


def tiktok_creator_failures(
    *, variant: PostFacts, media: Sequence[MediaFacts]
) -> list[RuleFailure]:
    """What the creator's settings refuse in ``variant``; [] when they cannot be read.

    Unknown settings do not block (the page says why, the connector checks before posting):
    a missing token must not stop a draft from being reviewed.
    """
    if variant.account.platform != Platform.TIKTOK:
        return []
    info = tiktok_creator_info_for(account=variant.account).info
    if info is None:
        return []
    options = TikTokPostOptions.from_json(variant.options)
    return [
        *_privacy(options, info),
        *_duration(media, info),
        *_interactions(variant.post_type, options, info),
    ]


def _field(option: str) -> str:
    return option_field_name(kind_for(Platform.TIKTOK), option)


def _creator(info: CreatorInfo) -> str:
    return f"TikTok, {info.nickname or info.username}"


def _privacy(options: TikTokPostOptions, info: CreatorInfo) -> Iterator[RuleFailure]:
    level = options.privacy_level
    if not level or level in info.privacy_level_options:
        return
    allowed = ", ".join(info.privacy_level_options) or "—"
    message = _("%(field)s: %(actual)s, allowed %(allowed)s (%(platform)s)") % {
        "field": _("privacy level"),
        "actual": level,
        "allowed": allowed,
        "platform": _creator(info),
    }
    yield RuleFailure(_field("privacy_level"), allowed, level, message, _SOURCE + " point 3")


def _duration(media: Sequence[MediaFacts], info: CreatorInfo) -> Iterator[RuleFailure]:
    limit = info.max_video_post_duration_sec
    for asset in media:
        seconds = asset.duration_seconds
        if not limit or asset.kind != MediaKind.VIDEO or not seconds or seconds <= limit:
            continue
        field = f"{asset.file.name or asset.pk} duration_seconds"
        message = _("%(field)s: %(actual)s, limit %(limit)s (%(platform)s)") % {
            "field": field,
            "actual": f"{seconds:g} s",
            "limit": f"{limit} s",
            "platform": _creator(info),
        }
        yield RuleFailure(field, f"{limit} s", f"{seconds:g} s", message, _SOURCE + " point 2")


def _interactions(
    post_type: str, options: TikTokPostOptions, info: CreatorInfo
) -> Iterator[RuleFailure]:
    checks = [("allow_comment", _("comments"), options.allow_comment, info.comment_disabled)]
    if post_type != PostType.PHOTO:  # photo posts offer only comments (§1.6 point 4)
        checks += [
            ("allow_duet", "Duet", options.allow_duet, info.duet_disabled),
            ("allow_stitch", "Stitch", options.allow_stitch, info.stitch_disabled),
        ]
    for option, label, allowed, disabled in checks:
        if allowed and disabled:
            message = _("%(what)s: allowed here, but turned off by the creator (%(platform)s)") % {
                "what": label,
                "platform": _creator(info),
            }
            yield RuleFailure(_field(option), _("off"), _("on"), message, _SOURCE + " point 4")
