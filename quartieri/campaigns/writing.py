"""Writing help: counting a draft in its platform's units and checking it as the server will.

The editor's page sends the form as it stands (not saved) to ``variant_check_view``, which
builds the draft here and answers with what ``validation.variant_validate`` says of it (the
same function approval runs: a stricter rule added there reaches the page unchanged), the
counters (characters in the platform's unit, UTF-16 for TikTok; hashtags; mentions, each
with its limit) and the preview redrawn. The page's script only shows the answer.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from quartieri.campaigns.library import media_library
from quartieri.campaigns.models import ContentItem, MediaAsset, Variant
from quartieri.campaigns.preview import variant_preview
from quartieri.campaigns.validation import (
    composed_caption,
    hashtag_count,
    mention_count,
    text_checks,
    text_unit_label,
    variant_validate,
)
from quartieri.channels.base import Capability, OptionsError, option_field_name
from quartieri.channels.models import Language
from quartieri.channels.preview import Preview
from quartieri.channels.registry import kind_for
from quartieri.channels.rules import RuleFailure
from quartieri.lib.destinations import SETTING, allowed_destinations, refused_host
from quartieri.lib.textdiff import DiffPart, diff_changed, word_diff

_COUNTED: dict[str, str | Promise] = {
    "caption": gettext_lazy("Caption"),
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "hashtags": gettext_lazy("Hashtags"),
    "mentions": gettext_lazy("Mentions"),
}


@dataclass(frozen=True)
class Counter:
    field: str
    value: int
    limit: int | None
    unit: str
    # Characters delivery adds to this text (links, marker): ``limit`` is already less them.
    reserved: int = 0

    @property
    def label(self) -> str:
        return str(_COUNTED.get(self.field, self.field))

    @property
    def over(self) -> bool:
        return self.limit is not None and self.value > self.limit

    @property
    def text(self) -> str:
        """ "123 / 2,200 UTF-16 units", or "123 characters" where nothing limits it."""
        if self.limit is None:
            return f"{number_format(self.value, force_grouping=True)} {self.unit}"
        params = {
            "value": number_format(self.value, force_grouping=True),
            "limit": number_format(self.limit, force_grouping=True),
            "unit": self.unit,
            "reserved": number_format(self.reserved, force_grouping=True),
        }
        if self.reserved:
            return (
                _("%(value)s / %(limit)s %(unit)s (%(reserved)s more for the links quartieri adds)")
                % params
            )
        return _("%(value)s / %(limit)s %(unit)s") % params

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "label": self.label,
            "value": self.value,
            "limit": self.limit,
            "over": self.over,
            "text": self.text,
        }


def draft_counters(variant: Variant) -> list[Counter]:
    """The draft's texts counted in its platform's unit, then its hashtags and mentions."""
    rules = kind_for(variant.account.platform).rules()
    unit = text_unit_label(rules)
    counters = [
        Counter(
            check.field,
            rules.length(check.text),
            check.limit.value if check.limit else None,
            unit,
            reserved=check.reserved,
        )
        for check in text_checks(variant, rules)
    ]
    for field, count, limit in (
        ("hashtags", hashtag_count(variant), rules.hashtags_max),
        ("mentions", mention_count(variant), rules.mentions_max),
    ):
        counters.append(
            Counter(field, count, limit.value if limit else None, str(_COUNTED[field]).lower())
        )
    return counters


def variant_draft(variant: Variant, changes: Mapping[str, Any]) -> Variant:
    """An unsaved copy of ``variant`` with ``changes`` (the edit form's) applied; its media
    are the saved ones. ValidationError naming the option that does not fit its kind."""
    draft = copy.copy(variant)
    for name, value in changes.items():
        if name == "options":
            kind = kind_for(variant.account.platform)
            try:
                parsed = kind.parse_options(value)
            except OptionsError as error:
                raise ValidationError({option_field_name(kind, error.field): str(error)}) from error
            value = parsed.to_json() if parsed is not None else {}
        setattr(draft, name, value)
    return draft


def link_warnings(variant: Variant) -> list[str]:
    """Why the variant's link will be refused when it is scheduled ([] when it will not):
    a kind that delivers sends its link as a tracked link, and tracked links lead only to
    the allowed destinations (lib.destinations). A warning, not a rule: an operator may
    allow the domain before the post is scheduled."""
    if not variant.link:
        return []
    if Capability.DELIVERS not in kind_for(variant.account.platform).capabilities:
        return []
    host = refused_host(variant.link)
    if not host:
        return []
    return [
        _(
            "The link goes to %(host)s, where tracked links may not lead: scheduling this post "
            "will be refused until an operator adds the domain to %(setting)s (allowed now: "
            "%(allowed)s)."
        )
        % {"host": host, "setting": SETTING, "allowed": ", ".join(allowed_destinations())}
    ]


@dataclass(frozen=True)
class DraftReport:
    counters: list[Counter]
    failures: list[RuleFailure]
    preview: Preview
    warnings: list[str]


def draft_report(*, draft: Variant, media: list[MediaAsset]) -> DraftReport:
    """What the server says of ``draft``: counters, every rule it breaks, its preview, and
    what will stop it later (its link's destination)."""
    return DraftReport(
        counters=draft_counters(draft),
        failures=variant_validate(draft, media=media),
        preview=variant_preview(draft, media=media),
        warnings=link_warnings(draft),
    )


def writing_summary(*, problems: list[str], platform: str) -> str:
    """One sentence for the live region: how many problems, or that there is none."""
    if not problems:
        return _("Meets every rule checked for %(platform)s.") % {"platform": platform}
    return ngettext(
        "%(count)s problem to fix before approval:",
        "%(count)s problems to fix before approval:",
        len(problems),
    ) % {"count": len(problems)}


def editor_context(
    *, variant: Variant, failures: list[RuleFailure], media: list[MediaAsset]
) -> dict[str, Any]:
    """What the variant editor shows beside the form: preview, counters, problems, the
    master text's diff and the campaign's library to pick media from; ``media`` are the
    variant's files in order (read once by the page, for the rules and for these)."""
    problems = [failure.message for failure in failures]
    diff = master_diff(variant)
    return {
        "preview": variant_preview(variant, media=media),
        "counters": draft_counters(variant),
        "problems": problems,
        "summary": writing_summary(
            problems=problems, platform=variant.account.get_platform_display()
        ),
        "diff": diff if diff_changed(diff) else [],
        "library": media_library(campaign=variant.content_item.campaign),
        "chosen_media": {asset.pk for asset in media},
        "warnings": link_warnings(variant),
        "live": True,
    }


def master_text(variant: Variant) -> str:
    """The content item's master text in the account's language (the variant's source)."""
    item = variant.content_item
    english = variant.account.language == Language.EN
    text = item.master_text_en if english else item.master_text_it
    return text or item.master_text_it or item.master_text_en


def master_diff(variant: Variant) -> list[DiffPart]:
    """What the variant changed from its master text, word by word ([] when it has none)."""
    source = master_text(variant)
    if not source.strip():
        return []
    return word_diff(source, composed_caption(variant))


def item_diffs(
    *, item: ContentItem, variants: list[Variant]
) -> list[tuple[Variant, list[DiffPart]]]:
    """Each variant of ``item`` with what it changed from the master text (no query)."""
    pairs = []
    for variant in variants:
        variant.content_item = item  # already loaded: no query per variant
        pairs.append((variant, master_diff(variant)))
    return [(variant, diff) for variant, diff in pairs if diff_changed(diff)]
