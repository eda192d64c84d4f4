"""What the campaigns workflow puts in people's "To do" inbox (core/todo.py): posts to
review, posts sent back with a comment, approved posts to schedule."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.campaigns import scheduling
from quartieri.campaigns.models import Variant
from quartieri.channels.models import ChannelAccount
from quartieri.channels.selectors import Duty, accounts_allowing
from quartieri.core.todo import InboxEntry, InboxKind

Status = Variant.Status


def _variants(*, user: User, status: str, duty: Duty) -> QuerySet[Variant]:
    return Variant.objects.filter(
        status=status, account__in=accounts_allowing(user=user, duty=duty)
    ).select_related("content_item__campaign", "account")


def _review_page(variant: Variant) -> str:
    # The review page holds all the reviewer needs in one place: the preview, the comments,
    # approve or send back, then the day and time (the campaign's long table has no
    # comments and no preview).
    return reverse("campaigns:variant_review", args=[variant.pk])


class ToReview(InboxKind):
    slug = "to-review"
    title = gettext_lazy("Posts to review")
    action = gettext_lazy("Read each post, then approve it or send it back with a comment.")
    empty = gettext_lazy("No post waits for your review.")
    capability = Capability.APPROVE_CONTENT
    order = 10

    def waiting(self, *, user: User) -> QuerySet[Any]:
        # Four eyes, as the services enforce it: not what one drafted or last edited,
        # except on one's own personal account.
        own = (Q(drafted_by=user) | Q(last_edited_by=user)) & ~Q(
            account__kind=ChannelAccount.Kind.PERSONAL
        )
        return (
            _variants(user=user, status=Status.IN_REVIEW, duty=Duty.APPROVE)
            .exclude(own)
            .select_related("drafted_by")
            .order_by("updated_at", "pk")
        )

    def entry(self, row: Variant) -> InboxEntry:
        author = row.drafted_by.get_full_name() or row.drafted_by.username if row.drafted_by else ""
        return InboxEntry(
            title=str(row),
            url=_review_page(row),
            detail=_("%(campaign)s · drafted by %(author)s")
            % {"campaign": row.content_item.campaign, "author": author or "—"},
            at=row.updated_at,
        )


class SentBack(InboxKind):
    slug = "sent-back"
    title = gettext_lazy("Posts sent back to you")
    action = gettext_lazy("Change what the reviewer asked for, then submit the post again.")
    empty = gettext_lazy("No post of yours was sent back.")
    capability = Capability.DRAFT_CONTENT
    order = 20

    def waiting(self, *, user: User) -> QuerySet[Any]:
        # variant_reject returns the post to draft with the reviewer's comment; it stays
        # here until its author submits it again.
        return (
            _variants(user=user, status=Status.DRAFT, duty=Duty.DRAFT)
            .exclude(review_comment="")
            .filter(Q(drafted_by=user) | Q(last_edited_by=user))
            .order_by("updated_at", "pk")
        )

    def entry(self, row: Variant) -> InboxEntry:
        return InboxEntry(
            title=str(row),
            url=reverse("campaigns:variant_edit", args=[row.pk]),
            detail=_("The reviewer wrote: “%(comment)s”") % {"comment": row.review_comment},
            at=row.updated_at,
        )


class ToSchedule(InboxKind):
    slug = "to-schedule"
    title = gettext_lazy("Approved posts to schedule")
    action = gettext_lazy("Pick the day and time each one goes out.")
    empty = gettext_lazy("No approved post waits for a date.")
    capability = Capability.DRAFT_CONTENT
    order = 30

    def waiting(self, *, user: User) -> QuerySet[Any]:
        # A campaign that has ended takes no more dates (by the clock the scheduling
        # service reads).
        today = timezone.localdate(scheduling.schedule_now())
        return (
            _variants(user=user, status=Status.APPROVED, duty=Duty.PUBLISH)
            .filter(content_item__campaign__end_date__gte=today)
            .order_by("updated_at", "pk")
        )

    def entry(self, row: Variant) -> InboxEntry:
        return InboxEntry(
            title=str(row),
            url=_review_page(row),
            detail=str(row.content_item.campaign),
            at=row.updated_at,
        )


KINDS: list[InboxKind] = [ToReview(), SentBack(), ToSchedule()]
