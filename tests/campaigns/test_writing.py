"""Writing help: the editor's live check counts a draft in its platform's units and reports
what the server's rules say of it, without saving anything; the same rules refuse approval."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import Variant
from quartieri.campaigns.services import variant_approve, variant_mark_published
from quartieri.channels.registry import Platform, kind_for
from quartieri.channels.rules import Limit
from tests.campaigns.conftest import Unchanged, added_length, give_media


@pytest.fixture
def client_for(english_client_for):
    return english_client_for  # pages in English: messages asserted as their msgids


def _check(client, variant: Variant, **data: object):
    return client.post(reverse("campaigns:variant_check", args=[variant.pk]), data)


def _tiktok_form(**changes: object) -> dict[str, object]:
    return {
        "post_type": "video",
        "caption": "Baggio, slow",
        "tiktok_privacy_level": "SELF_ONLY",
        **changes,
    }


def _counter(answer: dict, field: str) -> dict:
    [counter] = [c for c in answer["counters"] if c["field"] == field]
    return counter


def test_tiktok_is_counted_in_utf16_units_and_nothing_is_saved(
    client_for, editor, item, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor)
    give_media(variant)  # a video post needs its video (the rules say so)
    unchanged = Unchanged(variant)
    caption = "Sera a Baggio 🌆🌆"  # 14 characters + two emoji of two UTF-16 units each
    answer = _check(client_for(editor), variant, **_tiktok_form(caption=caption)).json()
    caption_counter = _counter(answer, "caption")
    room = 2200 - added_length(tiktok)  # the rest is kept for the outbox's marker
    assert (caption_counter["value"], caption_counter["limit"]) == (18, room)
    assert caption_counter["over"] is False
    assert "UTF-16" in caption_counter["text"]
    assert f"{added_length(tiktok)} more for the links quartieri adds" in caption_counter["text"]
    assert answer["ok"] is True
    assert answer["problems"] == []
    # The preview is redrawn from the draft, by the TikTok kind.
    assert 'data-kind="tiktok"' in answer["preview"]
    assert "🌆🌆" in answer["preview"]
    unchanged.check()
    variant.refresh_from_db()
    assert variant.caption == "Baggio, slow"


def test_a_caption_over_the_limit_by_one_emoji_unit_is_reported(
    client_for, editor, item, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor)
    give_media(variant)  # a video post needs its video (the rules say so)
    room = 2200 - added_length(tiktok)
    caption = "a" * (room - 1) + "🌆"  # as many characters as the room, one UTF-16 unit more
    answer = _check(client_for(editor), variant, **_tiktok_form(caption=caption)).json()
    assert _counter(answer, "caption") | {"text": ""} == {
        "field": "caption",
        "label": "Caption",
        "value": room + 1,
        "limit": room,
        "over": True,
        "text": "",
    }
    assert answer["ok"] is False
    [failure] = answer["failures"]
    assert failure["field"] == "caption"
    assert answer["problems"] == [failure["message"]]
    assert f"{room + 1:,}" in failure["message"]


def test_hashtags_and_mentions_are_counted_against_their_limits(
    client_for, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)
    give_media(variant)  # a feed post needs its picture (the rules say so)
    tags = " ".join(f"#tag{n}" for n in range(31))
    answer = _check(
        client_for(editor),
        variant,
        post_type="feed",
        caption="Isola",
        hashtags=tags,
        mentions="@yesmilano @comune.milano",
    ).json()
    hashtags, mentions = _counter(answer, "hashtags"), _counter(answer, "mentions")
    assert (hashtags["value"], hashtags["over"]) == (31, True)
    assert (mentions["value"], mentions["limit"], mentions["over"]) == (2, 20, False)
    assert [f["field"] for f in answer["failures"]] == ["hashtags"]


def test_a_stricter_rule_reaches_the_live_check_and_approval_alike(
    client_for, editor, approver, item, tiktok, make_variant, monkeypatch
):
    """The check runs the server's own rules: tighten the kind's table and both refuse."""
    variant = make_variant(item=item, account=tiktok, by=editor, status="in_review")
    kind = kind_for(Platform.TIKTOK)
    limit = added_length(tiktok) + 10
    stricter = dataclasses.replace(kind.rules(), caption_max=Limit(limit, "test: stricter"))
    monkeypatch.setattr(type(kind), "rules", lambda self: stricter)
    answer = _check(client_for(editor), variant, **_tiktok_form()).json()
    assert _counter(answer, "caption")["limit"] == 10
    [failure] = answer["failures"]
    with pytest.raises(ValidationError) as refused:
        variant_approve(actor=approver, variant=variant)
    assert failure["message"] in refused.value.messages


def test_a_bad_form_value_is_reported_beside_the_rules(
    client_for, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)
    answer = _check(
        client_for(editor), variant, post_type="feed", caption="Isola", hashtags="#ok #non valido!"
    ).json()
    assert answer["ok"] is False
    assert "hashtags" in answer["errors"]
    assert any(problem.startswith("Hashtags") for problem in answer["problems"])


def test_only_who_may_edit_the_variant_checks_it(
    client_for, editor, other_editor, analyst, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)
    audit = AuditEvent.objects.count()
    form = {"post_type": "feed", "caption": "Isola"}
    assert _check(client_for(analyst), variant, **form).status_code == 403
    assert _check(client_for(other_editor), variant, **form).status_code == 403  # no grant
    assert (
        client_for(editor).get(reverse("campaigns:variant_check", args=[variant.pk])).status_code
        == 405
    )
    assert AuditEvent.objects.count() == audit


def test_a_published_variant_is_not_checked_as_a_draft(
    client_for, approver, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="scheduled")
    variant = variant_mark_published(actor=approver, variant=variant)
    answer = _check(client_for(approver), variant, post_type="feed", caption="x")
    assert answer.status_code == 403


def test_a_line_break_the_variant_adds_or_removes_is_marked_in_the_diff(
    client_for, editor, item, instagram, make_variant
):
    item.master_text_it = "Isola di sera.\n\nLa Stecca e la biblioteca"
    item.save()
    # The blank line became a space; a space before "la biblioteca" became a line break.
    caption = "Isola di sera. La Stecca e\nla biblioteca"
    variant = make_variant(item=item, account=instagram, by=editor, caption=caption)
    page = client_for(editor).get(reverse("campaigns:variant_edit", args=[variant.pk]))
    diff = re.search(
        r'<p class="textdiff" data-testid="diff">(.*?)</p>', page.content.decode(), re.S
    )
    assert diff, "no diff"
    # Each break a visible mark (and "new line" to a screen reader), never an empty block.
    mark = (
        '<span class="textdiff-nl" aria-hidden="true">↵</span>'
        '<span class="visually-hidden">new line</span>\n'
    )
    part = r'<(ins|del)><span [^>]*>\[\w+: </span>(.*?)<span class="visually-hidden">\]</span>'
    changed = re.findall(part, diff[1], re.S)
    assert changed == [("del", mark * 2), ("ins", " "), ("del", " "), ("ins", mark)]


def test_the_editor_page_shows_counters_preview_and_the_master_diff(
    client_for, editor, item, instagram, make_variant
):
    item.master_text_it = "Isola di sera, la Stecca e la biblioteca degli alberi"
    item.save()
    variant = make_variant(
        item=item, account=instagram, by=editor, caption="Isola di sera, la Stecca"
    )
    page = client_for(editor).get(reverse("campaigns:variant_edit", args=[variant.pk]))
    html = page.content.decode()
    assert 'data-kind="instagram"' in html
    assert reverse("campaigns:variant_check", args=[variant.pk]) in html
    assert "<del>" in html
    assert "biblioteca degli alberi" in html
