"""Review together: a thread of comments per variant, with @mentions of colleagues.

Who may write: whoever may draft or approve on the variant's account (the people of its
review); analysts read. A ``@username`` naming an active colleague notifies them
("mentioned you"); the variant's author, last editor and the thread's earlier writers hear
of a new comment. A ``@name`` that is nobody's username (a platform handle, a typo) stays
text and notifies nobody: ``CommentResult.unknown`` lists them so the page can say so.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from functools import reduce

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record
from quartieri.campaigns.models import Variant, VariantComment
from quartieri.campaigns.notices import variant_review_url, variant_topic
from quartieri.channels.selectors import Duty, account_allows
from quartieri.notifications.models import Event
from quartieri.notifications.services import notification_send

COMMENT_MAX = 4000
# Django's usernames: letters, digits and @ . + - _; a trailing dot ends the sentence.
_MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]*[\w+-])")


@dataclass(frozen=True)
class CommentResult:
    comment: VariantComment
    mentioned: list[User] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # @names that are no colleague's


def comment_refusal(*, user: User, variant: Variant) -> str:
    """Empty when ``user`` may comment on ``variant``, else why not."""
    draft = account_allows(user=user, account=variant.account, duty=Duty.DRAFT)
    if not draft:
        return ""
    approve = account_allows(user=user, account=variant.account, duty=Duty.APPROVE)
    return "" if not approve else draft


def mention_example(*, user: User, variant: Variant) -> str:
    """A colleague of ``user`` in ``variant``'s review to name in the comment help ("e.g.
    @marco"): its author, last editor or an earlier writer; "" when there is none (the help
    then names nobody rather than an invented person). Reads the prefetched thread."""
    authors = (comment.author for comment in variant.comments.all())
    for person in (variant.drafted_by, variant.last_edited_by, *authors):
        if person is not None and person.is_active and person.pk != user.pk:
            return person.get_username()
    return ""


def mention_names(body: str) -> list[str]:
    """The ``@usernames`` of a comment, in order, each once (case kept as written)."""
    seen: dict[str, str] = {}
    for name in _MENTION.findall(body):
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


def _colleagues(names: list[str]) -> tuple[list[User], list[str]]:
    """The active users the names are (case-insensitively), and the names nobody has."""
    if not names:
        return [], []
    query = reduce(operator.or_, (Q(username__iexact=name) for name in names))
    found = {user.username.casefold(): user for user in User.objects.filter(query, is_active=True)}
    known = [found[name.casefold()] for name in names if name.casefold() in found]
    return known, [name for name in names if name.casefold() not in found]


@transaction.atomic
def variant_comment_add(*, actor: User, variant: Variant, body: str) -> CommentResult:
    """Add a comment to ``variant``'s thread and notify whom it concerns.

    Refused (nothing written, nobody notified): PermissionDenied for someone outside the
    variant's review, ValidationError for an empty or too long comment.
    """
    variant = Variant.objects.select_related("account", "content_item").get(pk=variant.pk)
    refusal = comment_refusal(user=actor, variant=variant)
    if refusal:
        raise PermissionDenied(refusal)
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write something: the comment is empty.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            {
                "body": _("The comment has %(count)s characters; at most %(max)s.")
                % {"count": len(body), "max": COMMENT_MAX}
            }
        )
    mentioned, unknown = _colleagues(mention_names(body))
    comment = VariantComment.objects.create(variant=variant, author=actor, body=body)
    comment.mentioned.set(mentioned)
    audit_record(
        actor=actor,
        action="campaigns.variant.comment",
        target=variant,
        after={"comment": comment.pk, "mentioned": [user.username for user in mentioned]},
    )
    _notify(variant=variant, comment=comment, actor=actor, mentioned=mentioned)
    return CommentResult(comment=comment, mentioned=mentioned, unknown=unknown)


def _notify(
    *, variant: Variant, comment: VariantComment, actor: User, mentioned: list[User]
) -> None:
    """Mentioned colleagues hear "mentioned you"; the variant's author, last editor and
    the thread's earlier writers "commented" (once each, never the writer)."""
    earlier = User.objects.filter(variant_comments__variant=variant, is_active=True).distinct()
    told = {user.pk for user in mentioned}
    involved = [variant.drafted_by, variant.last_edited_by, *earlier]
    audiences = [
        (Event.MENTION, list(mentioned)),
        (Event.COMMENT, [u for u in involved if u is not None and u.pk not in told]),
    ]
    for event, recipients in audiences:
        notification_send(
            recipients=recipients,
            event=event,
            subject=str(variant),
            url=f"{variant_review_url(variant.pk)}#comment-{comment.pk}",
            actor=actor,
            detail=comment.body,
            topic=variant_topic(variant.pk),
        )
