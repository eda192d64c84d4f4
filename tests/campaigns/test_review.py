"""Reviewing together: the review page (preview, rules, diff, actions), the comment thread
with @mentions, notifications of the workflow's steps, and bulk approval / scheduling where
a refused item is reported and left exactly as it was."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.media import media_attach
from quartieri.campaigns.models import Variant, VariantComment
from quartieri.campaigns.notices import variant_failed_notify
from quartieri.campaigns.services import (
    variant_approve,
    variant_comment_add,
    variant_mark_published,
    variant_reject,
    variant_submit,
    variants_bulk_approve,
    variants_bulk_schedule,
)
from quartieri.notifications.models import Event, Notification
from tests.campaigns.conftest import IN_WINDOW, Unchanged, fit_media, give_media

S = Variant.Status


@pytest.fixture
def client_for(english_client_for):
    return english_client_for  # pages in English: messages asserted as their msgids


def told(user, event=None) -> list[str]:
    rows = Notification.objects.filter(recipient=user)
    if event:
        rows = rows.filter(event=event)
    return [n.event for n in rows.order_by("pk")]


def alerts(response) -> list[str]:
    return [
        re.sub(r"\s+", " ", a).strip()
        for a in re.findall(r'role="alert">(.*?)<', response.content.decode(), re.S)
    ]


# --- The review page ------------------------------------------------------------------------
def test_the_review_page_shows_the_preview_rules_diff_and_the_reviewers_step(
    client_for, editor, approver, item, instagram, make_variant
):
    item.master_text_it = "Isola di sera, la Stecca e la biblioteca degli alberi"
    item.save()
    variant = make_variant(
        item=item, account=instagram, by=editor, status="in_review", caption="Isola di sera!"
    )
    html = client_for(approver).get(reverse("campaigns:variant_review", args=[variant.pk]))
    html = html.content.decode()
    assert 'data-kind="instagram"' in html
    assert 'data-post-type="feed"' in html
    assert 'data-testid="rules-ok"' in html
    assert 'data-testid="diff"' in html
    assert "<del>" in html
    assert "<ins>" in html
    actions = html.split('data-testid="review-actions"')[1].split("</section>")[0]
    assert "/approve/" in actions
    assert "/reject/" in actions
    # The author sees no approve button: four eyes.
    mine = client_for(editor).get(reverse("campaigns:variant_review", args=[variant.pk]))
    assert "/approve/" not in mine.content.decode()


def test_approving_from_the_review_page_comes_back_to_it(
    client_for, editor, approver, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="in_review")
    here = reverse("campaigns:variant_review", args=[variant.pk])
    answer = client_for(approver).post(
        reverse("campaigns:variant_action", args=[variant.pk, "approve"]), {"next": here}
    )
    assert answer.status_code == 302
    assert answer["Location"] == here
    variant.refresh_from_db()
    assert variant.status == S.APPROVED


def test_a_post_its_kind_delivers_is_not_offered_to_be_marked_published_by_hand(
    client_for, editor, approver, item, instagram, make_variant
):
    # The outbox sends it at its time; "mark as published" would only cancel that delivery
    # and nothing would go out (the outbox skips a variant no longer scheduled).
    variant = make_variant(item=item, account=instagram, by=editor, status="scheduled")
    html = client_for(approver).get(reverse("campaigns:variant_review", args=[variant.pk]))
    assert f"/variants/{variant.pk}/publish/" not in html.content.decode()
    campaign = client_for(approver).get(
        reverse("campaigns:campaign_detail", args=[item.campaign.slug])
    )
    assert f"/variants/{variant.pk}/publish/" not in campaign.content.decode()
    assert Variant.objects.get(pk=variant.pk).status == S.SCHEDULED


def timeline(client, variant: Variant) -> list[str]:
    html = client.get(reverse("campaigns:variant_review", args=[variant.pk])).content.decode()
    found = re.search(r'<ol data-testid="timeline">(.*?)</ol>', html, re.S)
    assert found, "no timeline"
    return [line.split(" · ")[-1] for line in re.findall(r"</time>(.*?)</li>", found[1])]


def test_the_timeline_shows_a_new_draft_as_created_and_only_moves_as_arrows(
    client_for, editor, item, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor)
    media_attach(actor=editor, asset=fit_media(item, "video"), add=[variant])
    client = client_for(editor)
    assert timeline(client, variant) == ["Created as a draft"]  # not "Draft → Draft"
    variant_submit(actor=editor, variant=variant)
    assert timeline(client, variant) == ["Created as a draft", "Draft → In review"]


def test_an_analyst_reads_the_review_page_but_gets_no_form(
    client_for, analyst, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="in_review")
    html = client_for(analyst).get(reverse("campaigns:variant_review", args=[variant.pk]))
    assert html.status_code == 200
    assert 'data-testid="comment-form"' not in html.content.decode()
    assert 'data-testid="review-actions"' not in html.content.decode()


# --- Comments and @mentions -----------------------------------------------------------------
def comment_help(client, variant: Variant) -> str:
    html = client.get(reverse("campaigns:variant_review", args=[variant.pk])).content.decode()
    found = re.search(r'<p id="comment-help"[^>]*>(.*?)</p>', html)
    assert found, "no comment help"
    return found[1]


def test_the_comment_help_names_a_real_colleague_of_the_review_or_nobody(
    client_for, editor, approver, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="in_review")
    # The approver is shown the post's author; the author, alone on it so far, nobody.
    assert comment_help(client_for(approver), variant) == (
        "Write @username to notify a colleague (e.g. @marco)."
    )
    assert comment_help(client_for(editor), variant) == "Write @username to notify a colleague."
    variant_comment_add(actor=approver, variant=variant, body="Va bene")
    assert comment_help(client_for(editor), variant) == (
        "Write @username to notify a colleague (e.g. @giulia)."
    )
    approver.is_active = False  # a former colleague is no example
    approver.save()
    assert comment_help(client_for(editor), variant) == "Write @username to notify a colleague."


def test_a_mention_notifies_the_colleague_and_an_unknown_name_nobody(
    editor, approver, other_editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="in_review")
    result = variant_comment_add(
        actor=approver, variant=variant, body="@Marco the tag @yesmilano is wrong, cc @nobody."
    )
    assert [u.username for u in result.mentioned] == ["marco"]
    assert result.unknown == ["yesmilano", "nobody"]
    assert list(result.comment.mentioned.all()) == [editor]
    # Marco hears he was mentioned, once (not also "commented"); nobody else, not the writer.
    assert told(editor, Event.MENTION) == [Event.MENTION]
    assert told(editor, Event.COMMENT) == []
    assert told(other_editor) == []
    assert told(approver, Event.MENTION) == []
    assert told(approver, Event.COMMENT) == []
    event = AuditEvent.objects.get(action="campaigns.variant.comment")
    assert event.after == {"comment": result.comment.pk, "mentioned": ["marco"]}


def test_the_author_and_earlier_writers_hear_of_a_new_comment(
    editor, approver, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="in_review")
    variant_comment_add(actor=approver, variant=variant, body="Looks good")
    assert told(editor, Event.COMMENT) == [Event.COMMENT]
    variant_comment_add(actor=editor, variant=variant, body="Thanks")
    assert told(approver, Event.COMMENT) == [Event.COMMENT]
    assert told(editor, Event.COMMENT) == [Event.COMMENT]  # not for one's own


@pytest.mark.parametrize("body", ["", "  \n ", "@giulia " + "x" * 4000])
def test_an_empty_or_too_long_comment_writes_nothing(body, editor, item, instagram, make_variant):
    variant = make_variant(item=item, account=instagram, by=editor)
    with pytest.raises(ValidationError):
        variant_comment_add(actor=editor, variant=variant, body=body)
    assert VariantComment.objects.count() == 0
    assert Notification.objects.count() == 0


def test_someone_outside_the_accounts_review_cannot_comment(
    client_for, editor, other_editor, analyst, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)  # Luca: no grant on it
    with pytest.raises(PermissionDenied):
        variant_comment_add(actor=other_editor, variant=variant, body="@marco hi")
    url = reverse("campaigns:variant_comment", args=[variant.pk])
    assert client_for(other_editor).post(url, {"body": "@marco hi"}).status_code == 403
    assert client_for(analyst).post(url, {"body": "@marco hi"}).status_code == 403
    assert VariantComment.objects.count() == 0
    assert Notification.objects.count() == 0


def test_the_comment_page_says_who_was_notified_and_shows_the_thread(
    client_for, editor, approver, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="in_review")
    answer = client_for(approver).post(
        reverse("campaigns:variant_comment", args=[variant.pk]),
        {"body": "@marco check the link, @ghost"},
        follow=True,
    )
    said = answer.content.decode()
    assert "Notified: @marco." in said
    assert "@ghost: no colleague has that username" in said
    assert 'data-testid="comment"' in said
    assert "check the link" in said


# --- Notifications of the workflow ------------------------------------------------------------
def test_the_workflow_tells_whom_it_concerns_and_settles_what_is_done(
    editor, approver, other_editor, item, instagram, tiktok, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor)
    give_media(variant)
    variant_submit(actor=editor, variant=variant)
    assert told(approver) == [Event.TO_REVIEW]
    assert told(editor) == []
    assert told(other_editor) == []
    variant = variant_reject(actor=approver, variant=variant, comment="Shorter, please")
    to_review = Notification.objects.get(recipient=approver, event=Event.TO_REVIEW)
    assert to_review.read_at is not None  # settled: nothing to do any more
    rejected = Notification.objects.get(recipient=editor, event=Event.REJECTED)
    assert rejected.detail == "Shorter, please"
    variant = variant_submit(actor=editor, variant=variant)
    variant = variant_approve(actor=approver, variant=variant)
    assert not Notification.objects.filter(event=Event.TO_REVIEW, read_at__isnull=True).exists()


def test_published_and_failed_posts_are_told_to_their_people(
    editor, approver, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="scheduled")
    variant_failed_notify(variant_id=variant.pk, reason="Token expired")
    failed = Notification.objects.filter(event=Event.FAILED).order_by("recipient__username")
    assert [(n.recipient.username, n.detail) for n in failed] == [
        ("giulia", "Token expired"),  # scheduled it
        ("marco", "Token expired"),  # wrote it
    ]
    variant_mark_published(actor=approver, variant=variant)
    assert told(editor, Event.PUBLISHED) == [Event.PUBLISHED]
    assert told(approver, Event.PUBLISHED) == []  # published it: no news to them
    assert not Notification.objects.filter(event=Event.FAILED, read_at__isnull=True).exists()


# --- Bulk approval and scheduling --------------------------------------------------------------
def test_bulk_approve_leaves_a_denied_one_unchanged_and_approves_the_others(
    editor, approver, mayor, item, instagram, tiktok, mayor_instagram, make_variant
):
    ok_1 = make_variant(item=item, account=instagram, by=editor, status="in_review")
    ok_2 = make_variant(item=item, account=tiktok, by=editor, status="in_review")
    # The mayor's personal account: only the mayor approves there, whatever Giulia's grant.
    denied = make_variant(item=item, account=mayor_instagram, by=mayor, status="in_review")
    transitions = denied.transitions.count()
    result = variants_bulk_approve(actor=approver, variants=[denied, ok_2, ok_1])
    assert [v.pk for v in result.done] == sorted([ok_1.pk, ok_2.pk])
    assert [v.pk for v, _reason in result.refused] == [denied.pk]
    assert result.refused[0][1]  # the service's reason, to show
    for variant in (ok_1, ok_2):
        variant.refresh_from_db()
        assert variant.status == S.APPROVED
    # The refused one: same status, no new step in its timeline, no audit event of it.
    fresh = Variant.objects.get(pk=denied.pk)
    assert fresh.status == S.IN_REVIEW
    assert fresh.transitions.count() == transitions
    approved = AuditEvent.objects.filter(action__endswith="approve").values_list(
        "target_id", flat=True
    )
    assert sorted(approved) == sorted([str(ok_1.pk), str(ok_2.pk)])


def test_bulk_approve_through_the_queue_reports_each_refusal(
    client_for, editor, approver, mayor, item, instagram, mayor_instagram, make_variant
):
    ok = make_variant(item=item, account=instagram, by=editor, status="in_review")
    denied = make_variant(item=item, account=mayor_instagram, by=mayor, status="in_review")
    answer = client_for(approver).post(
        reverse("campaigns:review_bulk"),
        {"action": "approve", "variants": [ok.pk, denied.pk]},
        follow=True,
    )
    said = answer.content.decode()
    assert f"Approved 1 variant: {ok}." in said
    assert f"Not done: {denied}." in said
    assert Variant.objects.get(pk=denied.pk).status == S.IN_REVIEW
    assert Variant.objects.get(pk=ok.pk).status == S.APPROVED


def test_bulk_schedule_refuses_a_second_post_too_close_on_one_account(
    editor, approver, item, instagram, tiktok, make_variant
):
    instagram.min_spacing_minutes = 60
    instagram.save()
    first = make_variant(item=item, account=instagram, by=editor, status="approved")
    second = make_variant(item=item, account=instagram, by=editor, status="approved")
    other = make_variant(item=item, account=tiktok, by=editor, status="approved")
    unchanged = Unchanged(second)
    result = variants_bulk_schedule(
        actor=approver, variants=[first, second, other], at=IN_WINDOW + dt.timedelta(days=1)
    )
    assert [v.pk for v in result.done] == [first.pk, other.pk]
    assert [v.pk for v, _r in result.refused] == [second.pk]
    fresh = Variant.objects.get(pk=second.pk)
    assert fresh.status == unchanged.status
    assert fresh.scheduled_at is None


def test_bulk_steps_are_refused_to_an_analyst(
    client_for, analyst, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="in_review")
    unchanged = Unchanged(variant)
    answer = client_for(analyst).post(
        reverse("campaigns:review_bulk"), {"action": "approve", "variants": [variant.pk]}
    )
    assert answer.status_code == 403
    unchanged.check()


def test_the_queue_lists_what_waits_for_each_person(
    client_for, editor, approver, item, instagram, tiktok, make_variant
):
    to_review = make_variant(item=item, account=instagram, by=editor, status="in_review")
    to_schedule = make_variant(item=item, account=tiktok, by=editor, status="approved")
    page = client_for(approver).get(reverse("campaigns:review_queue")).content.decode()
    assert f'value="{to_review.pk}"' in page
    assert f'value="{to_schedule.pk}"' in page
    mine = client_for(editor).get(reverse("campaigns:review_queue")).content.decode()
    assert f'value="{to_review.pk}"' not in mine  # nothing to tick: theirs to wait for
    assert reverse("campaigns:variant_review", args=[to_review.pk]) in mine


def test_a_mention_waits_in_the_colleagues_to_do_until_read(
    editor, approver, item, instagram, make_variant, client_for
):
    from quartieri.core.todo import inbox_sections, inbox_total

    variant = make_variant(item=item, account=instagram, by=editor, status="in_review")
    before = inbox_total(user=editor)
    variant_comment_add(actor=approver, variant=variant, body="@marco add the tram line")
    sections = {s.kind.slug: s for s in inbox_sections(user=editor)}
    assert sections["mentions"].count == 1
    entry = sections["mentions"].entries[0]
    assert inbox_total(user=editor) == before + 1
    # The writer has nothing new to read.
    assert "mentions" not in {s.kind.slug for s in inbox_sections(user=approver) if s.count}
    # Opening it from the inbox marks it read: it leaves "To do".
    assert client_for(editor).get(entry.url).status_code == 302
    assert inbox_total(user=editor) == before


def test_the_queue_caps_after_the_grants_so_no_post_one_may_act_on_is_missed(
    client_for, editor, approver, item, instagram, make_variant, monkeypatch
):
    from quartieri.campaigns import queue
    from quartieri.channels.models import AccountGrant, ChannelAccount

    # Given a backlog, listed first, on an account the approver holds no grant on, and one
    # post the approver may approve, listed after it.
    monkeypatch.setattr(queue, "QUEUE_LIMIT", 2)
    other = ChannelAccount.objects.create(platform=instagram.platform, handle="@elsewhere")
    AccountGrant.objects.create(account=other, user=editor, can_draft=True)
    backlog = [
        make_variant(item=item, account=other, by=editor, status="in_review") for _ in range(2)
    ]
    theirs = make_variant(item=item, account=instagram, by=editor, status="in_review")
    # Then the approver's queue holds that post, and none of the backlog.
    mine = queue.review_queue(user=approver)
    assert [v.pk for v in mine.to_review] == [theirs.pk]
    assert mine.more == {}
    page = client_for(approver).get(reverse("campaigns:review_queue")).content.decode()
    assert f'value="{theirs.pk}"' in page
    assert all(f'value="{v.pk}"' not in page for v in backlog)
    # The editor who wrote all three waits for them, two shown and one more counted.
    written = queue.review_queue(user=editor)
    assert len(written.waiting) == 2
    assert written.more == {"waiting": 1}
    assert (
        "1 more is not shown here"
        in client_for(editor).get(reverse("campaigns:review_queue")).content.decode()
    )


def test_the_queue_costs_the_same_queries_for_a_long_backlog(
    editor, approver, item, instagram, make_variant, django_assert_max_num_queries
):
    from quartieri.campaigns.queue import review_queue

    for _ in range(6):
        make_variant(item=item, account=instagram, by=editor, status="in_review")
    with django_assert_max_num_queries(4):
        queue = review_queue(user=approver)
    assert len(queue.to_review) == 6
