"""A Mastodon status is counted as a Mastodon server counts it (issue 21): every link 23
characters whatever its length, shorter ones too (docs.joinmastodon.org user/posting, and
entities/Instance ``configuration.statuses.characters_reserved_per_url``), a mention of
someone on another server without its domain. The rules table, the editor's counter and the
fake server count alike, so a caption at the room the editor shows goes out at exactly 500
and one character more is refused by the rules and by the server (422) alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.utils import timezone

from quartieri.campaigns.models import ContentItem, Variant
from quartieri.campaigns.validation import variant_validate
from quartieri.campaigns.writing import draft_counters
from quartieri.channels.connectors.base import (
    AccountAuth,
    PermanentError,
    PostKind,
    PostRequest,
    PublishState,
)
from quartieri.channels.kinds.mastodon.client import MastodonConnector
from quartieri.channels.kinds.mastodon.fake import TOKEN, FakeMastodon
from quartieri.channels.kinds.mastodon.rules import RULES, status_length
from quartieri.channels.registry import Platform
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.payload import entry_marker, post_request_for
from tests.campaigns.conftest import variant_for
from tests.publishing.conftest import FAST_TIMEOUT, campaign_item


def url_of(length: int) -> str:
    """A link of exactly ``length`` characters."""
    base = "https://ab.it/"
    url = base + "x" * (length - len(base))
    assert len(url) == length
    return url


@pytest.mark.parametrize("length", [22, 23, 24, 300])
def test_a_link_counts_23_whatever_its_length(length):
    assert status_length(f"Baggio {url_of(length)}") == len("Baggio ") + 23


def test_several_links_count_23_each_and_the_words_between_them_in_full():
    text = f"{url_of(14)} e {url_of(90)}\n{url_of(23)}"
    assert status_length(text) == 23 + 3 + 23 + 1 + 23


@pytest.mark.parametrize(
    ("text", "counted"),
    [
        # The punctuation closing a sentence, and a bracket the link did not open, are text.
        (f"Vedi {url_of(40)}.", 5 + 23 + 1),
        (f"({url_of(40)})", 1 + 23 + 1),
        (f"{url_of(30)}/(a)", 23),  # a bracket pair inside the address is the address
        # Not links: no http(s) scheme, no host, glued to a word.
        ("ftp://example.org/file", 22),
        ("www.example.org", 15),
        ("https://", 8),
        ("https://localhost/x", 19),
        ("vedihttps://example.org/x", 25),
        # A mention inside an address is the address.
        ("https://mastodon.example/@comune@other.example", 23),
    ],
)
def test_only_what_mastodon_links_counts_23(text, counted):
    assert status_length(text) == counted


def test_a_remote_mention_counts_without_its_domain():
    assert status_length("@comune@mastodon.example") == len("@comune")
    assert status_length("ciao @comune@mastodon.example!") == len("ciao @comune!")
    assert status_length("@comune") == 7  # a local one in full
    assert status_length("scrivi a info@example.org") == 25  # an e-mail is not a mention


def test_the_rules_count_with_the_server_s_rule_and_cite_it():
    assert RULES.length(f"a {url_of(22)}") == 2 + 23
    assert RULES.caption_max is not None
    assert RULES.caption_max.value == 500
    assert "characters_reserved_per_url 23" in RULES.caption_max.source


# --- The rules, the editor and the server agree at the limit --------------------------------


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    with FakeMastodon() as server:
        yield server


@pytest.fixture
def item(db: None, settings: Any) -> ContentItem:
    # A public address with a domain, as a deployment has: the marker (and a tracked link)
    # are links there, each counted 23 (the suite's 127.0.0.1 is not a link to Mastodon).
    settings.PUBLIC_URL = "https://quartieri.comune.milano.it"
    settings.LINK_ALLOWED_DOMAINS = ["visit.example.org"]
    return campaign_item()


def caption_of(counted: int) -> str:
    """A caption Mastodon counts as ``counted``: words, a short link and a long one."""
    links = f" {url_of(22)} {url_of(200)}"
    return "a" * (counted - 2 - 2 * 23) + links


def sent(variant: Variant) -> str:
    entry = OutboxEntry.objects.create(
        variant=variant, account=variant.account, due_at=timezone.now() + dt.timedelta(hours=1)
    )
    entry.marker = entry_marker(entry)
    entry.save()
    text = post_request_for(entry).text
    OutboxEntry.objects.filter(pk=entry.pk).delete()
    return text


def submit(fake: FakeMastodon, text: str) -> PublishState:
    connector = MastodonConnector(
        auth=AccountAuth(TOKEN, handle="@comune@mastodon.example"),
        base_url=fake.url,
        timeout=FAST_TIMEOUT,
    )
    try:
        return connector.submit(request=PostRequest(kind=PostKind.TEXT, text=text)).state
    finally:
        connector.close()


@pytest.mark.parametrize(("link", "room"), [("", 500 - 24), ("https://visit.example.org/x", 452)])
def test_the_room_shown_is_what_the_server_leaves(item, fake, link, room):
    """The outbox adds its marker (and the tracked link) on lines of their own: 24 each,
    however long the platform's address; the editor's counter shows the room left, the
    rules refuse past it, and the server accepts the status at its 500 and refuses 501."""
    variant = variant_for(item, Platform.MASTODON, post_type="text", link=link)
    for counted, allowed in ((room - 1, True), (room, True), (room + 1, False)):
        variant.caption = caption_of(counted)
        [counter] = [c for c in draft_counters(variant) if c.field == "caption"]
        assert (counter.value, counter.limit, counter.over) == (counted, room, not allowed)
        refused = [failure for failure in variant_validate(variant) if failure.field == "caption"]
        assert (not refused) is allowed, (counted, refused)
        variant.save()
        text = sent(variant)
        assert fake.counted_length(text) == 500 - room + counted
        if allowed:
            assert submit(fake, text) == PublishState.PUBLISHED
        else:
            with pytest.raises(PermanentError) as over:
                submit(fake, text)
            assert "character limit of 500 exceeded" in str(over.value.reason)
    assert len(fake.posts) == 2  # the one past the limit made nothing


def test_the_fake_answers_422_past_the_limit(fake):
    over = "a" * (500 - 23) + " " + url_of(22)  # 501 as counted, 500 by its characters
    answer = httpx.post(
        f"{fake.url}/api/v1/statuses",
        data={"status": over},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 422
    assert answer.json() == {"error": "Validation failed: Text character limit of 500 exceeded"}
    assert fake.posts == []
