"""The newsletter as a channel kind: its lists are channel accounts, a scheduled variant
joins the issue of its day (or is refused once that issue went out), leaves it when
withdrawn, is recorded published when the issue is sent; its links are tracked links; its
figures reach the campaign dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from quartieri.accounts.models import AuditEvent
from quartieri.accounts.roles import Role
from quartieri.analytics.measures import campaign_measures
from quartieri.analytics.tracking import Link
from quartieri.campaigns.models import Campaign, ContentItem, Transition, Variant
from quartieri.campaigns.selectors import ROME
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
    variant_update,
)
from quartieri.channels.base import Capability, kind_problems
from quartieri.channels.models import AccountGrant
from quartieri.channels.registry import Platform, kind_for
from quartieri.newsletter.delivery import DAILY_ISSUE
from quartieri.newsletter.issues import (
    issue_approve,
    issue_compose,
    issue_send_start,
    issue_submit,
)
from quartieri.newsletter.kind import NewsletterKind
from quartieri.newsletter.models import BounceEvent, ConsentRecord, Issue
from quartieri.newsletter.sending import batch_send
from tests.conftest import make_person

DAY = dt.date(2021, 5, 3)


def _approved_variant(editor, approver, daily, text="Chiaravalle: l'abbazia compie 800 anni."):
    campaign = Campaign.objects.get(slug="quartieri-2021")
    item = ContentItem.objects.create(
        campaign=campaign, title="Chiaravalle", master_text_en="The abbey turns 800."
    )
    variant = variant_create(
        actor=editor,
        content_item=item,
        account=daily.account,
        post_type="text",
        caption=text,
        link="https://example.org/chiaravalle",
    )
    return variant_approve(actor=approver, variant=variant_submit(actor=editor, variant=variant))


def _at(day: dt.date, hour: int = 7) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ROME)


def _send(issue):
    for batch in issue.batches.order_by("pk"):
        batch_send(batch_id=batch.pk, worker="w1")


def test_the_registry_gives_the_newsletter_its_kind_and_its_delivery():
    kind = kind_for(Platform.NEWSLETTER)
    assert isinstance(kind, NewsletterKind)
    assert kind.delivery() is DAILY_ISSUE
    assert kind.capabilities == {Capability.DELIVERS, Capability.METRICS}
    assert kind_problems(kind) == []
    names = {definition.name for definition in kind.metrics.values()}
    assert names == {"sent", "delivered", "bounced", "unsubscribed", "clicks"}
    assert all(definition.source for definition in kind.metrics.values())


def test_a_scheduled_variant_joins_the_issue_of_its_day_which_goes_back_to_review(
    approved_issue, daily, editor, approver
):
    assert approved_issue.status == Issue.Status.APPROVED
    variant = _approved_variant(editor, approver, daily)

    variant_schedule(actor=approver, variant=variant, at=_at(DAY, 15), allow_past=True)

    issue = Issue.objects.get(pk=approved_issue.pk)
    assert variant in issue.variants.all()
    assert "The abbey turns 800." in issue.text_en
    assert "abbazia compie 800 anni" in issue.text_it
    # New content: the approval lapses (four eyes), and the join is in the audit log.
    assert (issue.status, issue.approved_by) == (Issue.Status.IN_REVIEW, None)
    event = AuditEvent.objects.get(action="newsletter.issue.join")
    assert event.after["variant"] == variant.pk


def test_withdrawing_the_variant_takes_it_out_of_the_issue(approved_issue, daily, editor, approver):
    variant = _approved_variant(editor, approver, daily)
    variant_schedule(actor=approver, variant=variant, at=_at(DAY), allow_past=True)

    variant_update(actor=editor, variant=Variant.objects.get(pk=variant.pk), caption="Nuovo")

    issue = Issue.objects.get(pk=approved_issue.pk)
    assert not issue.variants.filter(pk=variant.pk).exists()
    assert "abbazia" not in issue.text_it
    assert "Baggio" in issue.text_it  # the day's other items stay
    assert Variant.objects.get(pk=variant.pk).status == Variant.Status.IN_REVIEW


def test_moving_the_variant_to_another_day_moves_it_between_issues(
    approved_issue, daily, editor, approver
):
    # An issue of the next day (composed from the same content, then moved to that day).
    next_day = issue_compose(actor=editor, newsletter_list=daily, date=DAY)
    Issue.objects.filter(pk=next_day.pk).update(date=DAY + dt.timedelta(days=1))
    variant = _approved_variant(editor, approver, daily)
    variant_schedule(actor=approver, variant=variant, at=_at(DAY), allow_past=True)
    assert "abbazia" in Issue.objects.get(pk=approved_issue.pk).text_it
    assert "abbazia" not in Issue.objects.get(pk=next_day.pk).text_it

    variant_schedule(
        actor=approver, variant=variant, at=_at(DAY + dt.timedelta(days=1)), allow_past=True
    )

    old, new = Issue.objects.get(pk=approved_issue.pk), Issue.objects.get(pk=next_day.pk)
    assert not old.variants.filter(pk=variant.pk).exists()
    assert "abbazia" not in old.text_it
    assert new.variants.filter(pk=variant.pk).count() == 1
    assert "abbazia" in new.text_it


def test_scheduling_on_a_day_whose_issue_went_out_is_refused_and_changes_nothing(
    approved_issue, daily, editor, approver, subscribe_people, sink
):
    subscribe_people(2)
    _send(issue_send_start(actor=approver, issue=approved_issue))
    variant = _approved_variant(editor, approver, daily)
    before = Issue.objects.get(pk=approved_issue.pk)

    with pytest.raises(ValidationError, match="has already been sent"):
        variant_schedule(actor=approver, variant=variant, at=_at(DAY, 18), allow_past=True)

    variant.refresh_from_db()
    assert (variant.status, variant.scheduled_at) == (Variant.Status.APPROVED, None)
    after = Issue.objects.get(pk=approved_issue.pk)
    assert (after.mjml_it, after.status) == (before.mjml_it, Issue.Status.SENT)
    assert not after.variants.filter(pk=variant.pk).exists()


def test_sending_the_issue_records_its_variants_published_once(
    approved_issue, daily, editor, approver, subscribe_people, sink
):
    carried = approved_issue.variants.get()  # the day's newsletter variant (scheduled)
    subscribe_people(3)
    _send(issue_send_start(actor=approver, issue=approved_issue))

    carried.refresh_from_db()
    assert carried.status == Variant.Status.PUBLISHED
    published = Transition.objects.filter(variant=carried, action="publish")
    assert published.count() == 1
    assert published.get().actor is None  # the system, through variant_record_published
    assert f"/newsletter/issues/{approved_issue.pk}/" in published.get().comment
    # The Instagram post of the day was in the issue too, but it is not the newsletter's.
    assert Variant.objects.get(caption="Isola!").status == Variant.Status.APPROVED


def test_the_issue_links_are_tracked_links_and_an_untrackable_one_refuses_the_compose(
    daily, day_content, editor, settings
):
    issue = issue_compose(actor=editor, newsletter_list=daily, date=day_content)
    link = Link.objects.get(target="https://example.org/baggio")
    assert (link.channel, link.medium, link.campaign.slug) == (
        "newsletter",
        "email",
        "quartieri-2021",
    )
    assert f"/l/{link.code}" in issue.html_it
    assert "https://example.org/baggio" not in issue.html_it

    settings.LINK_ALLOWED_DOMAINS = []
    with pytest.raises(ValidationError, match="Baggio.*its link cannot be tracked"):
        issue_compose(actor=editor, newsletter_list=daily, date=day_content)
    assert Issue.objects.count() == 1


def test_the_campaign_dashboard_reads_the_newsletter_figures(
    approved_issue, daily, approver, subscribe_people, sink
):
    readers = subscribe_people(4)
    _send(issue_send_start(actor=approver, issue=approved_issue))
    from quartieri.newsletter.services import bounce_record, subscription_unsubscribe

    bounce_record(email=readers[0].email, kind="hard", source="imap", issue_id=approved_issue.pk)
    bounce_record(email=readers[1].email, kind="soft", source="imap")  # a delay: not counted
    assert BounceEvent.objects.filter(issue=approved_issue).count() == 2
    subscription_unsubscribe(subscriber_id=readers[2].pk, list_id=daily.pk, source="one-click")
    ConsentRecord.objects.filter(action="unsubscribed").update(at=_at(DAY, 9))

    campaign = Campaign.objects.get(slug="quartieri-2021")
    figures = {
        (m.name, m.day): m.value
        for m in campaign_measures(campaign=campaign)
        if m.channel == "newsletter"
    }
    for day in (DAY, None):
        assert figures[("sent", day)] == 4
        assert figures[("bounced", day)] == 1
        assert figures[("delivered", day)] == 3
        assert figures[("unsubscribed", day)] == 1
    assert figures[("reach", None)] == 3


def test_the_lists_account_grants_say_who_approves_and_sends_its_issues(
    daily, day_content, editor, subscribe_people
):
    subscribe_people(2)
    issue = issue_submit(
        actor=editor, issue=issue_compose(actor=editor, newsletter_list=daily, date=day_content)
    )
    bruno = make_person("bruno", Role.APPROVER)  # an approver, but not of this list

    with pytest.raises(PermissionDenied, match="grant"):
        issue_approve(actor=bruno, issue=issue)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.IN_REVIEW

    # A grant to approve on the list's account lets him approve, not send.
    grant = AccountGrant.objects.create(account=daily.account, user=bruno, can_approve=True)
    issue = issue_approve(actor=bruno, issue=issue)
    assert issue.approved_by == bruno
    with pytest.raises(PermissionDenied, match="grant"):
        issue_send_start(actor=bruno, issue=issue)
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.APPROVED
    assert not issue.batches.exists()

    grant.can_publish = True
    grant.save()
    assert issue_send_start(actor=bruno, issue=issue).status == Issue.Status.SENDING
