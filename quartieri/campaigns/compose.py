"""Cutting a content item's master text into a first draft of each channel's variant.

Pure text work, plus the one read it needs (which accounts a person may draft on);
``services.variants_generate`` does the writing. Decisions, documented in docs/campaigns.md:

- **Language**: each ``ChannelAccount`` has a ``language`` (Italian by default); a generation
  run may override it for every account picked. An account whose master text is empty in
  that language is skipped (never a caption silently in the other language).
- **Hashtags and mentions**: every ``#tag`` and ``@name`` of the master text is listed in the
  variant's hashtags / mentions; a trailing block made only of tags and mentions is taken out
  of the caption (it goes out again from the lists, see ``validation.composed_caption``),
  tags inside a sentence stay where they are. The city's own channels (newsletter, screens,
  website, posters) get the text without that block and no lists.
- **Post type**: TikTok video (photo when the item has images and no video), Instagram feed
  (reel when the item has a video), Facebook feed, the city's own channels text.
- Every variant then stays editable; TikTok's privacy level is never chosen here (§1.6
  point 3 of platform-apis.md: the person chooses it) and its interactions stay off (§1.6
  point 4, the model's defaults).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import QuerySet

from quartieri.accounts.models import User
from quartieri.campaigns.models import ContentItem, MediaAsset
from quartieri.channels.base import Capability
from quartieri.channels.models import ChannelAccount, Language
from quartieri.channels.registry import kind_for
from quartieri.channels.rules import PostType, TextUnit, text_length
from quartieri.channels.selectors import Duty, account_allows, user_grants

# A tag starts after a space or the start of the text, so e-mail addresses (info@comune.it)
# and URL fragments (page#top) are not taken for mentions or hashtags.
HASHTAG = re.compile(r"(?<![\w#@/.])#(\w+)")
MENTION = re.compile(r"(?<![\w#@/.])@(\w+(?:\.\w+)*)")
_TAG_TOKEN = re.compile(r"^[#@]\w+(?:\.\w+)*$")
_SENTENCE_END = (".", "!", "?", "…", ":", ")")

# The fields a generation writes, in the order of the digest.
GENERATED_FIELDS = ("post_type", "title", "caption", "hashtags", "mentions")


@dataclass(frozen=True)
class Composed:
    """The generated fields of one variant."""

    post_type: str
    title: str = ""
    caption: str = ""
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def digest(self) -> str:
        return fields_digest(self.fields())


def fields_digest(values: Mapping[str, Any]) -> str:
    """SHA-256 of the generated fields, to tell later whether anybody changed them."""
    picked = {name: values.get(name) for name in GENERATED_FIELDS}
    return hashlib.sha256(json.dumps(picked, ensure_ascii=False).encode()).hexdigest()


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.lower(), value)
    return list(seen.values())


def split_tags(text: str) -> tuple[str, list[str], list[str]]:
    """``(caption, hashtags, mentions)`` of a master text; see the module docstring."""
    hashtags = _unique(HASHTAG.findall(text))
    mentions = _unique(name.rstrip(".") for name in MENTION.findall(text))
    return _without_tag_block(text.strip()), hashtags, mentions


def _without_tag_block(text: str) -> str:
    """``text`` without its trailing tags, when they form a block of their own: on their own
    line(s), or after the end of a sentence ("… quarry. #Baggio"); "Come to #Isola" keeps
    its last word."""
    tokens = re.split(r"(\s+)", text)
    keep = len(tokens)
    while keep and (not tokens[keep - 1].strip() or _TAG_TOKEN.match(tokens[keep - 1])):
        keep -= 1
    body = "".join(tokens[:keep]).rstrip()
    gap = "".join(tokens[keep:]).split("#")[0].split("@")[0]
    if not body or body.endswith(_SENTENCE_END) or "\n" in gap:
        return body
    return text


def default_post_type(*, platform: str, kinds: set[str]) -> str:
    """The post type a new variant starts with, given the kinds of the item's media."""
    return kind_for(platform).default_post_type(media_kinds=frozenset(kinds))


def master_text(item: ContentItem, language: str) -> str:
    return item.master_text_en if language == Language.EN else item.master_text_it


def compose_variant(
    *, item: ContentItem, account: ChannelAccount, language: str, kinds: set[str]
) -> Composed:
    """The first draft of ``item`` for ``account`` from its ``language`` master text."""
    caption, hashtags, mentions = split_tags(master_text(item, language))
    kind = kind_for(account.platform)
    post_type = default_post_type(platform=account.platform, kinds=kinds)
    if Capability.TAGS not in kind.capabilities:
        return Composed(post_type=post_type, caption=caption)
    title = ""
    rules = kind.rules()
    if post_type == PostType.PHOTO and rules.photo_title_max is not None:
        # A TikTok photo post has a short title: the item's, when it fits (§1.3).
        fits = text_length(item.title, TextUnit.UTF16) <= rules.photo_title_max.value
        title = item.title if fits else ""
    return Composed(
        post_type=post_type, title=title, caption=caption, hashtags=hashtags, mentions=mentions
    )


def item_media_kinds(item: ContentItem) -> set[str]:
    return set(MediaAsset.objects.filter(content_item=item).values_list("kind", flat=True))


def accounts_for_drafting(*, user: User) -> QuerySet[ChannelAccount]:
    """The channel accounts ``user`` may draft on (role, grants, personal accounts), as a
    queryset a form can validate against; the grants are read once for all accounts."""
    grants = user_grants(user=user)
    accounts = list(ChannelAccount.objects.order_by("platform", "handle"))
    allowed = [
        account.pk
        for account in accounts
        if not account_allows(user=user, account=account, duty=Duty.DRAFT, grants=grants)
    ]
    return ChannelAccount.objects.filter(pk__in=allowed).order_by("platform", "handle")
