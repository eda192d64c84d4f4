"""A kind draws its posts: the text cut where the platform's feed folds it, tags and links
marked, media shown, each kind with its own drawing at its channel's size."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from quartieri.channels.preview import (
    Fold,
    PreviewMedia,
    PreviewPost,
    Segment,
    SegmentKind,
    preview_text,
    text_segments,
)
from quartieri.channels.registry import Platform, all_kinds, kind_for
from quartieri.channels.rules import TextUnit

K = SegmentKind


def test_text_is_split_into_words_tags_mentions_links_and_breaks():
    text = "Vieni a #Isola con @yesmilano: https://yesmilano.it/isola\nciao"
    assert text_segments(text) == [
        Segment(K.TEXT, "Vieni a "),
        Segment(K.HASHTAG, "#Isola"),
        Segment(K.TEXT, " con "),
        Segment(K.MENTION, "@yesmilano"),
        Segment(K.TEXT, ": "),
        Segment(K.LINK, "https://yesmilano.it/isola"),
        Segment(K.BREAK, "\n"),
        Segment(K.TEXT, "ciao"),
    ]


def test_an_email_address_is_not_a_mention():
    assert [s.kind for s in text_segments("scrivi a info@comune.milano.it")] == [K.TEXT]


def test_a_text_within_the_fold_is_shown_whole():
    shown = preview_text("Baggio #slow", fold=Fold(12, "x"))
    assert (shown.cut, shown.hidden) == (False, [])
    assert "".join(s.text for s in shown.shown) == "Baggio #slow"


def test_a_long_text_is_cut_at_the_fold_and_a_tag_cut_in_two_stays_a_tag():
    text = "Isola di sera " + "#quartieri" + " e altro"
    folded = preview_text(text, fold=Fold(18, "x"))
    assert folded.cut
    assert folded.shown == [Segment(K.TEXT, "Isola di sera "), Segment(K.HASHTAG, "#qua")]
    assert folded.hidden[0] == Segment(K.HASHTAG, "rtieri")
    shown = "".join(s.text for s in folded.shown)
    hidden = "".join(s.text for s in folded.hidden)
    assert shown + hidden == text
    assert len(shown) == 18


def test_the_fold_never_splits_an_emoji_counted_in_utf16_units():
    # 🌆 is one character but two UTF-16 units: with room for one unit it moves behind.
    folded = preview_text("Ciao🌆sera", fold=Fold(5, "x", unit=TextUnit.UTF16))
    assert "".join(s.text for s in folded.shown) == "Ciao"
    assert "".join(s.text for s in folded.hidden) == "🌆sera"


def test_the_text_before_more_ends_on_a_word_not_a_space_or_a_break():
    folded = preview_text("Baggio\n\nParco delle Cave", fold=Fold(8, "x"))
    assert "".join(s.text for s in folded.shown) == "Baggio"


def _post(platform: str, post_type: str, text: str, **extra: object) -> PreviewPost:
    media = (
        PreviewMedia(kind="image", url="/media/a.jpg", alt="Il laghetto", width=1080, height=1350),
    )
    return PreviewPost(
        account="@comunedimilano",
        name=f"Comune di Milano ({platform})",
        post_type=post_type,
        text=text,
        title="Isola – BAM",
        media=media,  # type: ignore[arg-type]
        language="it",
        **extra,  # type: ignore[arg-type]
    )


def _draw(platform: str, post_type: str, text: str) -> str:
    preview = kind_for(platform).preview(post=_post(platform, post_type, text))
    with translation.override("en"):
        return render_to_string(preview.template, preview.context)


LONG = "Una passeggiata lenta tra le strade di Isola, la Stecca e la biblioteca degli alberi. " * 8


@pytest.mark.parametrize(
    ("platform", "post_type", "fold"),
    [
        (Platform.TIKTOK, "video", 100),
        (Platform.INSTAGRAM, "feed", 125),
        (Platform.INSTAGRAM, "reel", 125),
        (Platform.FACEBOOK, "feed", 477),
    ],
)
def test_a_social_post_is_cut_with_more_where_its_feed_folds(platform, post_type, fold):
    html = _draw(platform, post_type, LONG + " #Isola @yesmilano")
    assert 'data-testid="preview-more"' in html
    caption = re.search(r'data-testid="preview-caption">(.*?)</p>', html, re.S)
    assert caption is not None
    visible = re.sub(r"<[^>]+>", "", caption.group(1)).replace("@comunedimilano ", "")
    assert len(visible.replace("… more", "").strip()) <= fold
    # The fold's figure and its sources are on the page, said to be third-party.
    assert f"about {fold} characters" in html
    assert "third-party measurement" in html
    # The rest is one click away, tags still marked.
    assert "Text behind “… more”" in html
    assert '<span class="pv-tag">#Isola</span>' in html


def test_an_instagram_story_shows_the_picture_and_no_caption():
    html = _draw(Platform.INSTAGRAM, "story", "Isola #quartieri")
    assert 'data-post-type="story"' in html
    assert "A story carries no caption" in html
    assert "preview-caption" not in html
    assert 'alt="Il laghetto"' in html


def test_a_tiktok_photo_post_shows_its_title_and_the_phone_frame():
    html = _draw(Platform.TIKTOK, "photo", "Descrizione breve")
    assert 'class="pv-phone"' in html
    assert '<p class="pv-title" lang="it">Isola – BAM</p>' in html
    assert "360 × 640 px" in html
    assert 'data-testid="preview-more"' not in html


@pytest.mark.parametrize(
    ("platform", "frame"),
    [
        (Platform.NEWSLETTER, "pv-mail"),
        (Platform.SCREENS, "pv-slide"),
        (Platform.WEBSITE, "pv-entry"),
        (Platform.POSTERS, "pv-sheet"),
        (Platform.MASTODON, "pv-fb"),
    ],
)
def test_the_citys_own_channels_are_drawn_whole_in_their_own_frame(platform, frame):
    html = _draw(platform, "text", LONG)
    assert frame in html
    assert 'data-testid="preview-more"' not in html
    assert LONG.strip()[-40:] in html  # nothing folded away


def test_every_kind_draws_a_post_and_escapes_what_it_was_given():
    for kind in all_kinds():
        preview = kind.preview(
            post=_post(
                kind.slug, "feed", "<script>alert(1)</script> #tag", link="https://x.it/?a=1&b=2"
            )
        )
        html = render_to_string(preview.template, preview.context)
        assert f'data-kind="{kind.slug}"' in html
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
