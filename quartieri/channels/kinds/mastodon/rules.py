"""Mastodon's limits as data, and how a Mastodon server counts a status against them.

The limits are the documented defaults of a Mastodon server (docs.joinmastodon.org,
entities/Instance ``configuration``, as ``GET /api/v2/instance`` gives them); a server may
set others, which these rules then do not know.

How a status is counted (docs.joinmastodon.org, user/posting "Text", and entities/Instance
``configuration.statuses.characters_reserved_per_url``: the length the server takes for
every URL in a status, 23 by default):

- every link, which must begin with ``http://`` or ``https://``, counts 23 characters
  whatever its length (a shorter one too);
- a mention of someone on another server (``@alice@example.com``) counts without its domain
  (``@alice``);
- everything else counts one character each.

``status_length`` counts so; the rules table (the editor's counter, approval) and the fake
server use it. Where this reading can differ from a server it errs on the strict side:
Python counts code points, where a composed emoji (several code points) may count once
there. One case errs the other way: the server links only addresses whose top-level domain
it knows, while any letters there are taken for one here.
"""

from __future__ import annotations

import re

from quartieri.channels.rules import MB, Limit, PlatformRules, PostType

_INSTANCE = "docs.joinmastodon.org entities/Instance configuration (server default)"
CHARACTERS_PER_URL = 23  # configuration.statuses.characters_reserved_per_url
MAX_CHARACTERS = 500  # configuration.statuses.max_characters

# A link: the scheme, then a host with at least one dot and a top-level domain of letters,
# then whatever is not a space; not glued to a word, a mention or a hashtag before it.
_URL = re.compile(
    r"(?<![\w@$#])https?://(?:[^\W_][\w-]*\.)+[^\W\d_]{2,}(?::\d+)?(?:[/?#][^\s<>\"]*)?",
    re.IGNORECASE,
)
# Punctuation that ends a sentence after a link is not part of it.
_TRAILING = ".,:;!?'\""
_CLOSING = {")": "(", "]": "["}
# A mention of an account on another server: ``@user@domain``; group 1 is what counts.
_REMOTE_MENTION = re.compile(
    r"(?<![=/\w])(@[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@\w+(?:[.-]+\w+)*", re.IGNORECASE
)


def _link_part(url: str) -> str:
    """The part of a matched address that is the link: without the punctuation closing the
    sentence, nor a bracket it did not open."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _CLOSING and url.count(_CLOSING[last]) < url.count(last)):
            url = url[:-1]
        else:
            break
    return url


def _as_counted(match: re.Match[str]) -> str:
    link = _link_part(match.group())
    return "x" * CHARACTERS_PER_URL + match.group()[len(link) :]


def status_length(text: str) -> int:
    """``text`` counted as a Mastodon server counts a status against ``max_characters``."""
    return len(_REMOTE_MENTION.sub(r"\1", _URL.sub(_as_counted, text)))


RULES = PlatformRules(
    label="Mastodon",
    post_types=frozenset({PostType.TEXT, PostType.FEED}),
    caption_max=Limit(
        MAX_CHARACTERS,
        f"{_INSTANCE}: statuses.max_characters 500, every URL counted as "
        f"characters_reserved_per_url 23 (user/posting: links count 23, a mention's domain "
        f"not at all)",
    ),
    text_counter=status_length,
    image_mime_types=frozenset({"image/jpeg", "image/png", "image/webp"}),
    image_mime_source=f"{_INSTANCE}: media_attachments.supported_mime_types",
    image_max_bytes=Limit(10 * MB, f"{_INSTANCE}: media_attachments.image_size_limit 10 MB"),
    video_max_bytes={
        PostType.FEED: Limit(40 * MB, f"{_INSTANCE}: media_attachments.video_size_limit 40 MB")
    },
    media_count_max={
        PostType.FEED: Limit(4, f"{_INSTANCE}: statuses.max_media_attachments 4"),
    },
)
