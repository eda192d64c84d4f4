"""The review queue: what waits for a person's review or time, and what came back to them.

Its lists are the "Da fare" kinds' querysets (``campaigns.inbox``): who may act on which
account, and four eyes, are decided in SQL there, before any cap, so a long backlog on
accounts the person cannot touch never hides a post they may act on. One query per list
(each joins its campaign and account); the services check every step again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns.inbox import SentBack, ToReview, ToSchedule
from quartieri.campaigns.models import Variant

Status = Variant.Status
# A list longer than this is a backlog to filter on the campaign pages, not a page to tick:
# each list shows its first QUEUE_LIMIT and says how many more wait.
QUEUE_LIMIT = 300
_ORDER = ("content_item__campaign__start_date", "content_item__title", "pk")


@dataclass
class ReviewQueue:
    to_review: list[Variant] = field(default_factory=list)  # the person may approve them
    to_schedule: list[Variant] = field(default_factory=list)  # approved, the person may schedule
    sent_back: list[Variant] = field(default_factory=list)  # the person's drafts, rejected
    waiting: list[Variant] = field(default_factory=list)  # the person's, in someone's review
    # List name → how many rows beyond QUEUE_LIMIT it did not show.
    more: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.to_review or self.to_schedule or self.sent_back or self.waiting)


def _mine_in_review(user: User) -> QuerySet[Variant]:
    """The person's posts in someone else's review (the ones they may review themselves
    are in ``to_review``)."""
    return (
        Variant.objects.filter(status=Status.IN_REVIEW)
        .filter(Q(drafted_by=user) | Q(last_edited_by=user))
        .exclude(pk__in=ToReview().waiting(user=user).values("pk"))
        .select_related("content_item__campaign", "account")
    )


def _first(queue: ReviewQueue, name: str, rows: QuerySet[Variant]) -> list[Variant]:
    shown = list(rows.order_by(*_ORDER)[: QUEUE_LIMIT + 1])
    if len(shown) > QUEUE_LIMIT:
        queue.more[name] = rows.count() - QUEUE_LIMIT
    return shown[:QUEUE_LIMIT]


def review_queue(*, user: User) -> ReviewQueue:
    queue = ReviewQueue()
    if not user_can(user, Capability.DRAFT_CONTENT):
        return queue
    lists = {
        "to_review": ToReview(),
        "to_schedule": ToSchedule(),
        "sent_back": SentBack(),
    }
    for name, kind in lists.items():
        if kind.applies(user=user):
            setattr(queue, name, _first(queue, name, kind.waiting(user=user)))
    queue.waiting = _first(queue, "waiting", _mine_in_review(user))
    return queue
