"""Reads of the campaigns app."""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns.models import AccountGrant, Campaign, ChannelAccount, Transition, Variant


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(variant_count=Count("items__variants")).order_by(
        "-start_date", "name"
    )


def variant_list(*, campaign: Campaign) -> QuerySet[Variant]:
    """A campaign's variants with account, item, author and timeline: a fixed number of
    queries whatever the number of variants (the staff list must not grow N+1)."""
    timeline = Transition.objects.select_related("actor").order_by("at", "pk")
    return (
        Variant.objects.filter(content_item__campaign=campaign)
        .select_related("content_item", "account", "drafted_by")
        .prefetch_related(Prefetch("transitions", queryset=timeline))
        .order_by("scheduled_at", "content_item__title", "pk")
    )


class Duty(StrEnum):
    DRAFT = "draft"
    APPROVE = "approve"
    PUBLISH = "publish"


_DUTY_CAPABILITY = {
    Duty.DRAFT: Capability.DRAFT_CONTENT,
    Duty.APPROVE: Capability.APPROVE_CONTENT,
    Duty.PUBLISH: Capability.DRAFT_CONTENT,
}
_DUTY_GRANT = {Duty.DRAFT: "can_draft", Duty.APPROVE: "can_approve", Duty.PUBLISH: "can_publish"}
_DUTY_LABEL = {
    Duty.DRAFT: gettext_lazy("draft"),
    Duty.APPROVE: gettext_lazy("approve"),
    Duty.PUBLISH: gettext_lazy("schedule and publish"),
}


def account_allows(
    *,
    user: User,
    account: ChannelAccount,
    duty: Duty,
    grants: dict[int, AccountGrant] | None = None,
) -> str:
    """Empty when ``user`` may perform ``duty`` on ``account``, else the reason why not.

    ``grants`` (from ``user_grants``) saves the per-call query when checking many rows.
    """
    capability = _DUTY_CAPABILITY[duty]
    if not user_can(user, capability):
        return _("Your role does not allow this (%(capability)s).") % {
            "capability": capability.value
        }
    if account.is_personal:
        # The mayor's own voice: nobody else approves or publishes for him, grants or not.
        if account.owner_id != user.pk:
            return _("%(account)s is a personal account: only its owner may do this.") % {
                "account": account
            }
        return ""
    if grants is None:
        grant = AccountGrant.objects.filter(account=account, user=user).first()
    else:
        grant = grants.get(account.pk)
    if grant is None or not getattr(grant, _DUTY_GRANT[duty]):
        return _("You have no grant to %(duty)s on %(account)s.") % {
            "duty": _DUTY_LABEL[duty],
            "account": account,
        }
    return ""


def user_grants(*, user: User) -> dict[int, AccountGrant]:
    return {grant.account_id: grant for grant in AccountGrant.objects.filter(user=user)}


# The step each status offers, and the duty it needs (services.py enforces the same).
_NEXT_STEP = {
    Variant.Status.DRAFT: ("submit", Duty.DRAFT),
    Variant.Status.IN_REVIEW: ("review", Duty.APPROVE),
    Variant.Status.APPROVED: ("schedule", Duty.PUBLISH),
    Variant.Status.SCHEDULED: ("publish", Duty.PUBLISH),
}


def variant_next_step(*, user: User, variant: Variant, grants: dict[int, AccountGrant]) -> str:
    """The workflow step ``user`` may take on ``variant`` now ("" if none), for the page.

    Only a hint for what to show: the services check again, and have the last word.
    """
    step = _NEXT_STEP.get(Variant.Status(variant.status))
    if step is None:
        return ""
    name, duty = step
    if account_allows(user=user, account=variant.account, duty=duty, grants=grants):
        return ""
    wrote_it = user.pk in (variant.drafted_by_id, variant.last_edited_by_id)
    if duty == Duty.APPROVE and wrote_it and not variant.account.is_personal:
        return ""
    return name
