"""Reads of the channels app: who may act on an account, and its credentials."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.channels.models import AccountGrant, ChannelAccount, PlatformCredential


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


def accounts_allowing(*, user: User, duty: Duty) -> QuerySet[ChannelAccount]:
    """The accounts on which ``account_allows`` lets ``user`` perform ``duty``, as one
    query: personal accounts the person owns, institutional ones they hold the grant on."""
    if not user_can(user, _DUTY_CAPABILITY[duty]):
        return ChannelAccount.objects.none()
    granted = AccountGrant.objects.filter(user=user, **{_DUTY_GRANT[duty]: True})
    personal = Q(kind=ChannelAccount.Kind.PERSONAL)
    return ChannelAccount.objects.filter(
        (personal & Q(owner=user)) | (~personal & Q(pk__in=granted.values("account_id")))
    )


def user_grants(*, user: User) -> dict[int, AccountGrant]:
    return {grant.account_id: grant for grant in AccountGrant.objects.filter(user=user)}


def credential_list(*, platform: str | None = None) -> QuerySet[PlatformCredential]:
    credentials = PlatformCredential.objects.select_related("account").order_by(
        "account__platform", "account__handle"
    )
    return credentials.filter(account__platform=platform) if platform else credentials


def credentials_by_account(*, accounts: Iterable[ChannelAccount]) -> dict[int, PlatformCredential]:
    """Each account's credential, in one query."""
    ids = [account.pk for account in accounts]
    return {
        credential.account_id: credential
        for credential in PlatformCredential.objects.filter(account_id__in=ids)
    }
