"""Cutting a master text into a variant's first draft (compose.py): pure text, no pages."""

from __future__ import annotations

import pytest

from quartieri.campaigns.compose import default_post_type, fields_digest, split_tags


@pytest.mark.parametrize(
    ("text", "caption", "hashtags", "mentions"),
    [
        pytest.param(
            "Baggio, a lake. #Baggio #quartieri @yesmilano",
            "Baggio, a lake.",
            ["Baggio", "quartieri"],
            ["yesmilano"],
            id="closing-tags-after-a-sentence",
        ),
        pytest.param(
            "Come to #Isola", "Come to #Isola", ["Isola"], [], id="a-tag-inside-the-sentence"
        ),
        pytest.param(
            "Come to Isola\n#Isola #isola #Milano",
            "Come to Isola",
            ["Isola", "Milano"],
            [],
            id="a-line-of-tags-deduplicated",
        ),
        pytest.param(
            "With @comune.milano.",
            "With @comune.milano.",
            [],
            ["comune.milano"],
            id="a-mention-ending-a-sentence",
        ),
        pytest.param(
            "Write to info@comune.milano.it or see page#top",
            "Write to info@comune.milano.it or see page#top",
            [],
            [],
            id="e-mail-and-anchor-are-not-tags",
        ),
        pytest.param("", "", [], [], id="empty"),
    ],
)
def test_split_tags(text, caption, hashtags, mentions):
    assert split_tags(text) == (caption, hashtags, mentions)


@pytest.mark.parametrize(
    ("platform", "kinds", "expected"),
    [
        ("tiktok", set(), "video"),
        ("tiktok", {"image"}, "photo"),
        ("tiktok", {"image", "video"}, "video"),
        ("instagram", {"image"}, "feed"),
        ("instagram", {"video"}, "reel"),
        ("facebook", {"video"}, "feed"),
        ("newsletter", set(), "text"),
        ("screens", {"image"}, "text"),
        ("website", set(), "text"),
        ("posters", set(), "text"),
    ],
)
def test_default_post_type(platform, kinds, expected):
    assert default_post_type(platform=platform, kinds=kinds) == expected


def test_the_digest_changes_with_any_generated_field():
    fields = {"post_type": "feed", "title": "", "caption": "a", "hashtags": ["x"], "mentions": []}
    digest = fields_digest(fields)
    assert fields_digest(dict(fields)) == digest
    assert fields_digest(fields | {"hashtags": ["x", "y"]}) != digest
    assert fields_digest(fields | {"post_type": "reel"}) != digest
    assert fields_digest(fields | {"link": "https://example.org"}) == digest  # not generated
