"""Checking a variant against its platform's rules (each kind's ``rules.py``).

Every failure names the field, the limit and the actual value, so the editor can fix it
without guessing, and carries the source of the limit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.channels.registry import kind_for
from quartieri.channels.rules import (
    ACCESSIBILITY_SOURCE,
    Choice,
    Limit,
    PlatformRules,
    PostType,
    RuleFailure,
    Span,
    TextUnit,
)

_HASHTAG = re.compile(r"#(\w+)")
_MENTION = re.compile(r"@([\w.]+)")


def _within(value: float, span: Span) -> bool:
    # An infinite or NaN value (read from a malformed file) is outside every span; Fraction
    # cannot even represent it, and would fail the page.
    return math.isfinite(value) and span.low <= Fraction(value) <= span.high


def _num(value: int | float | Fraction) -> str:
    if isinstance(value, Fraction):
        value = float(value)
    if isinstance(value, float):
        # 25.0 FPS reads "25"; probed values keep at most three decimals (1.022 s).
        value = int(value) if value.is_integer() else round(value, 3)
    return number_format(value, force_grouping=True)


def composed_caption(variant: Variant) -> str:
    """The text that goes out: the caption, then any listed hashtag it does not contain."""
    present = {tag.lower() for tag in _HASHTAG.findall(variant.caption)}
    extra = [f"#{tag}" for tag in _clean(variant.hashtags, "#") if tag.lower() not in present]
    return "\n\n".join(part for part in (variant.caption, " ".join(extra)) if part)


def _clean(values: Iterable[str], prefix: str) -> list[str]:
    return [str(value).strip().lstrip(prefix) for value in values if str(value).strip()]


def hashtag_count(variant: Variant) -> int:
    return len({tag.lower() for tag in _HASHTAG.findall(composed_caption(variant))})


def mention_count(variant: Variant) -> int:
    listed = {name.lower() for name in _clean(variant.mentions, "@")}
    return len(listed | {name.lower() for name in _MENTION.findall(variant.caption)})


def variant_validate(
    variant: Variant, *, media: list[MediaAsset] | None = None
) -> list[RuleFailure]:
    """Every rule the variant breaks on its account's kind; empty when it may go out.

    The one rules function: the edit page shows its failures as warnings, and submit,
    approval and scheduling refuse while it returns any (``variant_require_valid``). It
    reads the variant as given, saved or not (an unsaved one has no media yet), so a live
    draft check can call it on the form's values. ``media``: the variant's files when the
    caller has already read them (else they are read here).

    Besides the kind's rules table: what its options refuse (TikTok's privacy level has no
    default) and the constraints it reads live at compose time (TikTok's creator_info,
    §1.6, through the account's connector with a short cache; without a connected token
    they are not checked here: the page says so, the connector checks again before posting).
    """
    kind = kind_for(variant.account.platform)
    rules = kind.rules()
    if media is None:
        media = list(variant.media.all()) if variant.pk else []
    return [
        *_post_type(variant, rules),
        *_texts(variant, rules),
        *_counts(variant, rules),
        *kind.option_failures(variant=variant),
        *_media_failures(variant, rules, media),
        *kind.compose_failures(variant=variant, media=media),
    ]


class RulesError(ValidationError):
    """A workflow step refused because the variant breaks its platform's rules; ``failures``
    keeps each rule's field, limit and actual value (the API answers them)."""

    def __init__(self, failures: list[RuleFailure]) -> None:
        super().__init__([failure.message for failure in failures])
        self.failures = failures


def variant_require_valid(*, variant: Variant) -> None:
    """Refuse (``RulesError``) a variant that breaks a rule: submit, approve and schedule
    call it before writing anything, so content publishing would fail on never gets past
    a draft, and a post is never queued for a platform that would refuse it."""
    failures = variant_validate(variant)
    if failures:
        raise RulesError(failures)


def asset_failures(*, asset: MediaAsset, variant: Variant) -> list[RuleFailure]:
    """What stops ``asset`` from going out with ``variant`` on its account's platform."""
    return list(_asset(asset, variant, kind_for(variant.account.platform).rules()))


def _media_failures(
    variant: Variant, rules: PlatformRules, media: list[MediaAsset]
) -> Iterator[RuleFailure]:
    """Count and kinds of the files, then each file's format, size, dimensions, duration.

    A file whose format was never read from its content (a row made by hand) cannot be
    checked, so it fails: upload it through the media page.
    """
    yield from _media_count(variant, rules, media)
    for asset in media:
        if not asset.probe:
            field = _media_field(asset, "probe")
            yield _missing(field, _("format read from the file"), "media.py")
        yield from _asset(asset, variant, rules)


# Labels for the message; RuleFailure.field keeps the code name so a form can mark the input.
_LABELS = {
    "caption": gettext_lazy("caption"),
    "title": gettext_lazy("title"),
    "description": gettext_lazy("description"),
    "hashtags": gettext_lazy("hashtags"),
    "mentions": gettext_lazy("mentions"),
    "media": gettext_lazy("media"),
}


def _over(
    field: str, actual: int, limit: Limit, unit: str, platform: str, reserved: int = 0
) -> RuleFailure:
    params = {
        "field": _LABELS.get(field, field),
        "actual": _num(actual),
        "limit": _num(limit.value),
        "unit": unit,
        "platform": platform,
        "reserved": _num(reserved),
    }
    if reserved:
        message = (
            _(
                "%(field)s: %(actual)s %(unit)s, limit %(limit)s (%(platform)s: %(reserved)s "
                "more are kept for the links quartieri adds)"
            )
            % params
        )
    else:
        message = _("%(field)s: %(actual)s %(unit)s, limit %(limit)s (%(platform)s)") % params
    return RuleFailure(field, _num(limit.value), _num(actual), message, limit.source)


def _post_type(variant: Variant, rules: PlatformRules) -> Iterator[RuleFailure]:
    if variant.post_type not in rules.post_types:
        allowed = ", ".join(sorted(rules.post_types))
        message = _("post type: %(actual)s, allowed %(allowed)s (%(platform)s)") % {
            "actual": variant.post_type or "—",
            "allowed": allowed,
            "platform": rules.label,
        }
        yield RuleFailure("post_type", allowed, variant.post_type, message, "rules.py")


def text_unit_label(rules: PlatformRules) -> str:
    return _("UTF-16 units") if rules.text_unit == TextUnit.UTF16 else _("characters")


@dataclass(frozen=True)
class TextCheck:
    """One text the platform limits, as approval checks it and the live counter counts it.

    ``limit`` is the room left for the person's words: the platform's limit less
    ``reserved``, what delivery adds to this text when it goes out (``ChannelKind.added_text``:
    the outbox's tracked link and marker lines), counted in the platform's unit.
    """

    field: str
    text: str
    limit: Limit | None
    reserved: int = 0


def text_checks(variant: Variant, rules: PlatformRules) -> list[TextCheck]:
    """Each text the platform limits for this post: what approval checks and what the
    editor's live counter counts."""
    text = composed_caption(variant)
    added = rules.length(kind_for(variant.account.platform).added_text(variant=variant))
    if variant.post_type == "photo" and rules.photo_description_max:
        # A TikTok photo post (the one kind with photo limits) has a title and a description;
        # video and elsewhere a caption.
        return [
            TextCheck("title", variant.title, rules.photo_title_max),
            _sent_text("description", text, rules.photo_description_max, added),
        ]
    return [_sent_text("caption", text, rules.caption_max, added)]


def _sent_text(field: str, text: str, limit: Limit | None, added: int) -> TextCheck:
    """The text the outbox adds to: its limit is the room left after what is added."""
    if limit is None:
        return TextCheck(field, text, None)
    room = Limit(max(limit.value - added, 0), limit.source)
    return TextCheck(field, text, room, reserved=added)


def _texts(variant: Variant, rules: PlatformRules) -> Iterator[RuleFailure]:
    unit = text_unit_label(rules)
    for check in text_checks(variant, rules):
        length = rules.length(check.text)
        if check.limit is not None and length > check.limit.value:
            yield _over(check.field, length, check.limit, unit, rules.label, check.reserved)


def _counts(variant: Variant, rules: PlatformRules) -> Iterator[RuleFailure]:
    if rules.hashtags_max and (count := hashtag_count(variant)) > rules.hashtags_max.value:
        yield _over("hashtags", count, rules.hashtags_max, _("hashtags"), rules.label)
    if rules.mentions_max and (count := mention_count(variant)) > rules.mentions_max.value:
        yield _over("mentions", count, rules.mentions_max, _("mentions"), rules.label)


def _media_count(
    variant: Variant, rules: PlatformRules, media: list[MediaAsset]
) -> Iterator[RuleFailure]:
    """How many files, and of which kinds, the post type carries: what publishing needs."""
    limit = rules.media_count_max.get(variant.post_type)
    if limit and len(media) > limit.value:
        yield _over("media", len(media), limit, _("media files"), rules.label)
    least = rules.media_count_min.get(variant.post_type)
    if least and len(media) < least.value:
        yield _under(variant, len(media), least, rules.label)
    kinds = rules.media_kinds.get(variant.post_type)
    wrong = sorted({str(asset.kind) for asset in media} - kinds.values) if kinds else []
    if kinds and wrong:
        yield _wrong_kind(variant, wrong, kinds, rules.label)


def _post_type_label(variant: Variant) -> str:
    """Only the rules of a known post type count or sort its media, so it has a label."""
    return str(PostType(variant.post_type).label)


def _under(variant: Variant, count: int, least: Limit, platform: str) -> RuleFailure:
    message = _(
        "media: %(actual)s media files, at least %(limit)s for a “%(post_type)s” (%(platform)s)"
    ) % {
        "actual": _num(count),
        "limit": _num(least.value),
        "post_type": _post_type_label(variant),
        "platform": platform,
    }
    return RuleFailure(
        "media", _("at least %(n)s") % {"n": _num(least.value)}, _num(count), message, least.source
    )


def _wrong_kind(variant: Variant, wrong: list[str], kinds: Choice, platform: str) -> RuleFailure:
    labels = dict(MediaAsset.Kind.choices)
    allowed = ", ".join(str(labels[kind]) for kind in sorted(kinds.values))
    actual = ", ".join(str(labels[kind]) for kind in wrong)
    message = _("media: %(actual)s, a “%(post_type)s” takes %(allowed)s (%(platform)s)") % {
        "actual": actual,
        "post_type": _post_type_label(variant),
        "allowed": allowed,
        "platform": platform,
    }
    return RuleFailure("media", allowed, actual, message, kinds.source)


def _asset(asset: MediaAsset, variant: Variant, rules: PlatformRules) -> Iterator[RuleFailure]:
    yield from _accessibility(asset, rules)
    if asset.kind == MediaAsset.Kind.IMAGE:
        yield from _image(asset, variant, rules)
    else:
        yield from _video(asset, variant, rules)


def _missing(field: str, what: str, source: str) -> RuleFailure:
    message = _("%(field)s: missing, %(what)s required") % {"field": field, "what": what}
    return RuleFailure(field, _("required"), _("missing"), message, source)


def _media_field(asset: MediaAsset, name: str) -> str:
    return f"{asset.file.name or asset.pk} {name}"


def _accessibility(asset: MediaAsset, rules: PlatformRules) -> Iterator[RuleFailure]:
    if asset.kind == MediaAsset.Kind.IMAGE and not asset.alt_text.strip():
        yield _missing(_media_field(asset, "alt_text"), _("alternative text"), ACCESSIBILITY_SOURCE)
    if asset.kind == MediaAsset.Kind.VIDEO and not asset.caption_file:
        yield _missing(_media_field(asset, "caption_file"), _("caption file"), ACCESSIBILITY_SOURCE)
    if rules.alt_text_max and len(asset.alt_text) > rules.alt_text_max.value:
        field = _media_field(asset, "alt_text")
        yield _over(field, len(asset.alt_text), rules.alt_text_max, _("characters"), rules.label)


def _image(asset: MediaAsset, variant: Variant, rules: PlatformRules) -> Iterator[RuleFailure]:
    if rules.image_mime_types and asset.mime_type not in rules.image_mime_types:
        allowed = ", ".join(sorted(rules.image_mime_types))
        field = _media_field(asset, "mime_type")
        message = _("%(field)s: %(actual)s, allowed %(allowed)s (%(platform)s)") % {
            "field": field,
            "actual": asset.mime_type or "—",
            "allowed": allowed,
            "platform": rules.label,
        }
        yield RuleFailure(field, allowed, asset.mime_type, message, rules.image_mime_source)
    if rules.image_max_bytes and asset.size_bytes > rules.image_max_bytes.value:
        field = _media_field(asset, "size_bytes")
        yield _over(field, asset.size_bytes, rules.image_max_bytes, _("bytes"), rules.label)
    if span := rules.image_aspect.get(variant.post_type):
        yield from _aspect(asset, span, rules.label)
    if span := rules.image_width_px.get(variant.post_type):
        yield from _span(asset, "width", asset.width, span, "px", rules.label)


def _aspect(asset: MediaAsset, span: Span, platform: str) -> Iterator[RuleFailure]:
    field = _media_field(asset, "aspect_ratio")
    limit = f"{float(span.low):.2f}–{float(span.high):.2f}"
    if not asset.width or not asset.height:
        yield _missing(field, _("width and height"), span.source)
        return
    ratio = Fraction(asset.width, asset.height)
    if not span.low <= ratio <= span.high:
        actual = f"{float(ratio):.2f} ({asset.width}×{asset.height})"
        message = _("%(field)s: %(actual)s, limit %(limit)s (%(platform)s)") % {
            "field": field,
            "actual": actual,
            "limit": limit,
            "platform": platform,
        }
        yield RuleFailure(field, limit, actual, message, span.source)


def _video(asset: MediaAsset, variant: Variant, rules: PlatformRules) -> Iterator[RuleFailure]:
    size = rules.video_max_bytes.get(variant.post_type)
    if size and asset.size_bytes > size.value:
        field = _media_field(asset, "size_bytes")
        yield _over(field, asset.size_bytes, size, _("bytes"), rules.label)
    yield from _video_format(asset, variant.post_type, rules)
    span = rules.video_seconds.get(variant.post_type)
    if span is None:
        return
    field = _media_field(asset, "duration_seconds")
    if asset.duration_seconds is None:
        yield _missing(field, _("duration"), span.source)
        return
    if not _within(asset.duration_seconds, span):
        limit = f"{_num(span.low)}–{_num(span.high)} s"
        actual = f"{_num(asset.duration_seconds)} s"
        message = _("%(field)s: %(actual)s, limit %(limit)s (%(platform)s)") % {
            "field": field,
            "actual": actual,
            "limit": limit,
            "platform": rules.label,
        }
        yield RuleFailure(field, limit, actual, message, span.source)


def _video_format(asset: MediaAsset, post_type: str, rules: PlatformRules) -> Iterator[RuleFailure]:
    """Container, codecs, frame rate and dimensions, where the probe recorded them."""
    probe = asset.probe or {}
    checks: list[tuple[str, object, Choice | None]] = [
        ("mime_type", asset.mime_type if probe else None, rules.video_containers.get(post_type)),
        ("video_codec", probe.get("video_codec"), rules.video_codecs.get(post_type)),
        ("audio_codec", probe.get("audio_codec"), rules.audio_codecs.get(post_type)),
    ]
    for name, actual, choice in checks:
        if choice is not None and actual and actual not in choice.values:
            yield _not_allowed(asset, name, str(actual), choice, rules.label)
    if span := rules.video_fps.get(post_type):
        yield from _span(asset, "fps", probe.get("fps"), span, "FPS", rules.label)
    if span := rules.video_side_px.get(post_type):
        yield from _span(asset, "width", asset.width, span, "px", rules.label)
        yield from _span(asset, "height", asset.height, span, "px", rules.label)
    limit = rules.video_max_width_px.get(post_type)
    if limit and asset.width and asset.width > limit.value:
        yield _over(_media_field(asset, "width"), asset.width, limit, "px", rules.label)


def _not_allowed(
    asset: MediaAsset, name: str, actual: str, choice: Choice, platform: str
) -> RuleFailure:
    allowed = ", ".join(sorted(choice.values))
    field = _media_field(asset, name)
    message = _("%(field)s: %(actual)s, allowed %(allowed)s (%(platform)s)") % {
        "field": field,
        "actual": actual,
        "allowed": allowed,
        "platform": platform,
    }
    return RuleFailure(field, allowed, actual, message, choice.source)


def _span(
    asset: MediaAsset, name: str, value: object, span: Span, unit: str, platform: str
) -> Iterator[RuleFailure]:
    """``value`` outside ``span``; an unknown value is refused by variant_validate as unread."""
    if not isinstance(value, int | float) or _within(value, span):
        return
    field = _media_field(asset, name)
    limit = f"{_num(span.low)}–{_num(span.high)} {unit}"
    actual = f"{_num(value)} {unit}"
    message = _("%(field)s: %(actual)s, limit %(limit)s (%(platform)s)") % {
        "field": field,
        "actual": actual,
        "limit": limit,
        "platform": platform,
    }
    yield RuleFailure(field, limit, actual, message, span.source)
