"""How a scheduled newsletter variant goes out: it joins the issue of its day
(``channels.base.Delivery``, named by ``NewsletterKind.delivery_path``).

Both calls run inside the campaigns service's transaction, so a refusal (a ValidationError)
rolls back the schedule or the edit:

- ``schedule``: the variant leaves any unsent issue of another day it was in (a move), then
  joins every unsent issue of its list on its day (Europe/Rome); when that day's issue has
  already gone out, the schedule is refused. A day without an issue yet needs nothing: the
  compose reads the day's scheduled variants. An account that is no list's waits, as before,
  for a person to mark the post published.
- ``withdraw``: the variant leaves its unsent issues; False once one of them has gone out.

When the issue is sent, the variants it carried are recorded published (sending.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.campaigns.models import Variant
from quartieri.newsletter.content import day_item
from quartieri.newsletter.issues import GONE_OUT, issue_variant_join, issue_variant_leave
from quartieri.newsletter.models import Issue, NewsletterList


class DailyIssueDelivery:
    def schedule(self, *, variant_id: int) -> None:
        variant = Variant.objects.select_related(
            "account", "content_item__campaign", "content_item__neighbourhood"
        ).get(pk=variant_id)
        newsletter_list = NewsletterList.objects.filter(account_id=variant.account_id).first()
        if newsletter_list is None or variant.scheduled_at is None:
            return
        day = timezone.localtime(variant.scheduled_at).date()
        for issue in Issue.objects.filter(variants=variant).exclude(date=day):
            issue_variant_leave(issue=issue, variant_id=variant.pk)
        issues = list(Issue.objects.filter(newsletter_list=newsletter_list, date=day))
        gone = next((issue for issue in issues if issue.status in GONE_OUT), None)
        if gone is not None:
            raise ValidationError(
                _(
                    "The %(list)s issue of %(date)s has already been sent "
                    "(“%(status)s”): schedule this item on another day."
                )
                % {
                    "list": newsletter_list.name,
                    "date": day.isoformat(),
                    "status": gone.get_status_display(),
                }
            )
        item = day_item(variant, own=True)
        for issue in issues:
            if not issue.variants.filter(pk=variant.pk).exists():
                issue_variant_join(issue=issue, item=item)

    def withdraw(self, *, variant_id: int) -> bool:
        issues = list(Issue.objects.filter(variants__pk=variant_id))
        if any(issue.status in GONE_OUT for issue in issues):
            return False
        for issue in issues:
            issue_variant_leave(issue=issue, variant_id=variant_id)
        return True


DAILY_ISSUE = DailyIssueDelivery()
