"""The review queue: what waits for a person's review or time, and what came back to them.

One query for the variants and one for the person's grants, whatever their number; which
steps the person may take is ``selectors.variant_next_step`` (the services check again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns.models import Variant
from quartieri.campaigns.selectors import variant_next_step
from quartieri.channels.selectors import user_grants

Status = Variant.Status
# A queue longer than this is a backlog to filter on the campaign pages, not a page to tick.
QUEUE_LIMIT = 300


@dataclass
class ReviewQueue:
    to_review: list[Variant] = field(default_factory=list)  # the person may approve them
    to_schedule: list[Variant] = field(default_factory=list)  # approved, the person may schedule
    sent_back: list[Variant] = field(default_factory=list)  # the person's drafts, rejected
    waiting: list[Variant] = field(default_factory=list)  # the person's, in someone's review

    @property
    def empty(self) -> bool:
        return not (self.to_review or self.to_schedule or self.sent_back or self.waiting)


def review_queue(*, user: User) -> ReviewQueue:
    queue = ReviewQueue()
    if not user_can(user, Capability.DRAFT_CONTENT):
        return queue
    mine = Q(drafted_by=user) | Q(last_edited_by=user)
    rows = (
        Variant.objects.filter(
            Q(status__in=(Status.IN_REVIEW, Status.APPROVED))
            | (Q(status=Status.DRAFT) & ~Q(review_comment="") & mine)
        )
        .select_related("content_item__campaign", "account")
        .order_by("content_item__campaign__start_date", "content_item__title", "pk")[:QUEUE_LIMIT]
    )
    grants = user_grants(user=user)
    for variant in rows:
        step = variant_next_step(user=user, variant=variant, grants=grants)
        wrote_it = user.pk in (variant.drafted_by_id, variant.last_edited_by_id)
        if step == "review":
            queue.to_review.append(variant)
        elif step == "schedule":
            queue.to_schedule.append(variant)
        elif variant.status == Status.DRAFT:
            queue.sent_back.append(variant)
        elif variant.status == Status.IN_REVIEW and wrote_it:
            queue.waiting.append(variant)
    return queue
