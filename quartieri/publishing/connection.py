"""How the outbox acts for a channel account: its connector and token, refresh, pauses.

A token is refreshed once when the platform refuses it; when that fails only a person can
reconnect the account, so it is flagged and its owner told by e-mail, once. Rate limits
pause the one account they concern, never the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.campaigns.models import ChannelAccount
from quartieri.publishing.connectors import UnknownPlatformError, connector_class
from quartieri.publishing.connectors.base import (
    AccountAuth,
    AppCredentials,
    Connector,
    PermanentError,
    RateLimited,
    TokenExpired,
)
from quartieri.publishing.models import AccountState, OutboxEntry, PlatformCredential
from quartieri.publishing.services import credential_mark_reconnect_needed, credential_store


class ReconnectNeededError(Exception):
    """The platform refused the token and a refresh could not renew it."""


def _credential(account: ChannelAccount) -> PlatformCredential | None:
    return PlatformCredential.objects.filter(
        platform=account.platform, handle=account.handle
    ).first()


def _app_credentials(platform: str) -> AppCredentials | None:
    # Settings the lead adds (QUARTIERI_TIKTOK_CLIENT_KEY …); without them refresh is refused.
    if platform == "tiktok":
        client_id = settings.TIKTOK_CLIENT_KEY
        secret = settings.TIKTOK_CLIENT_SECRET
    else:
        client_id = settings.META_APP_ID
        secret = settings.META_APP_SECRET
    return AppCredentials(client_id=client_id, client_secret=secret) if client_id else None


def _timeout() -> httpx.Timeout | None:
    # How long to wait for an answer; a test platform shortens it to provoke lost answers.
    seconds = getattr(settings, "PUBLISHING_HTTP_TIMEOUT_SECONDS", None)
    return httpx.Timeout(float(seconds), connect=min(5.0, float(seconds))) if seconds else None


def connector_for(account: ChannelAccount) -> Connector:
    """A connector acting for ``account`` with its stored token (base URL from settings)."""
    credential = _credential(account)
    if credential is None:
        raise PermanentError(
            reason=_("No token is connected for this account."),
            action=_("Connect the account (quartieri publishing connect), then schedule again."),
        )
    try:
        cls = connector_class(account.platform)
        auth = AccountAuth(credential.access_token, account_id=credential.external_id)
        return cls(  # type: ignore[call-arg]
            auth=auth, app=_app_credentials(account.platform), timeout=_timeout()
        )
    except (ImproperlyConfigured, UnknownPlatformError) as error:
        raise PermanentError(
            reason=_("The account is not set up for publishing."),
            action=_("Connect the account again with its id on the platform."),
            detail=str(error),
        ) from error


def _refresh(account: ChannelAccount, used: Connector) -> None:
    """Renew the account's token once; ReconnectNeededError when only a person can."""
    with transaction.atomic():
        credential = (
            PlatformCredential.objects.select_for_update()
            .filter(platform=account.platform, handle=account.handle)
            .first()
        )
        if credential is None:
            raise ReconnectNeededError("no credential")
        if credential.access_token != getattr(getattr(used, "auth", None), "access_token", None):
            return  # another worker has just refreshed it: use the new token
        if not credential.refresh_token:
            raise ReconnectNeededError("no refresh token")
        try:
            tokens = used.refresh(refresh_token=credential.refresh_token)
        except (TokenExpired, PermanentError) as error:
            raise ReconnectNeededError(str(error)) from error
        except ImproperlyConfigured as error:
            raise PermanentError(
                reason=_("Quartieri cannot renew the token: the app's keys are not configured."),
                action=_("Ask the administrator to configure the app's keys."),
                detail=str(error),
            ) from error
        # Access token and rotated refresh token in one row update (TikTok rotates them).
        credential_store(
            actor=None,
            platform=account.platform,
            handle=account.handle,
            tokens=tokens,
            external_id=credential.external_id,
        )


def account_call[R](account: ChannelAccount, call: Callable[[Connector], R]) -> R:
    """Run ``call`` with a connector; on an expired token refresh once and try once more."""
    connector = connector_for(account)
    try:
        try:
            return call(connector)
        except TokenExpired:
            _refresh(account, connector)
        connector.close()
        connector = connector_for(account)
        try:
            return call(connector)
        except TokenExpired as error:
            raise ReconnectNeededError(str(error)) from error
    finally:
        _note_backoff(account, connector)
        connector.close()


def _note_backoff(account: ChannelAccount, connector: Connector) -> None:
    # Meta's usage headers above 90 %: the connector stops itself; the pause must outlive it.
    backoff = getattr(connector, "backoff", None)
    if isinstance(backoff, RateLimited):
        account_pause(account, backoff)


# --- Account state ---------------------------------------------------------------------------
def account_pause(account: ChannelAccount, error: RateLimited) -> datetime:
    wait = error.retry_after_seconds
    until = timezone.now() + (
        timedelta(seconds=wait)
        if wait is not None
        else timedelta(seconds=float(getattr(settings, "PUBLISHING_RATE_LIMIT_PAUSE_SECONDS", 900)))
    )
    with transaction.atomic():
        state, _created = AccountState.objects.select_for_update().get_or_create(account=account)
        if state.paused_until is None or state.paused_until < until:
            state.paused_until = until
        state.last_error = f"rate limited ({error.scope}): {error.detail}"[:1000]
        state.save()
        return state.paused_until


def _recipients(account: ChannelAccount) -> list[str]:
    if account.owner is not None and account.owner.email:
        return [account.owner.email]
    # An institutional account has no owner: those who may publish on it are told.
    return sorted(
        {
            grant.user.email
            for grant in account.grants.filter(can_publish=True).select_related("user")
            if grant.user.email
        }
    )


def account_mark_reconnect_needed(account: ChannelAccount, detail: str) -> None:
    """Flag the account and e-mail its owner, once however many posts hit the refusal."""
    with transaction.atomic():
        state, _created = AccountState.objects.select_for_update().get_or_create(account=account)
        already = state.reconnect_needed
        state.reconnect_needed = True
        state.last_error = detail[:1000]
        state.save()
        credential = _credential(account)
        if (
            credential is not None
            and credential.status != PlatformCredential.Status.RECONNECT_NEEDED
        ):
            credential_mark_reconnect_needed(actor=None, credential_id=credential.pk, reason=detail)
        if already:
            return
        recipients = _recipients(account)
        if recipients:
            subject = _("Reconnect %(account)s to keep publishing") % {"account": account}
            body = _(
                "%(platform)s no longer accepts quartieri's access to %(account)s, and "
                "renewing it did not work. Scheduled posts for this account are on hold.\n\n"
                "What to do: reconnect the account in quartieri (quartieri publishing "
                "connect), then schedule the held posts again."
            ) % {"platform": account.get_platform_display(), "account": account}
            transaction.on_commit(partial(send_mail, subject, body, None, recipients))


def account_gate(entry: OutboxEntry) -> str:
    """'' when the account may publish now, else why not (paused / reconnect)."""
    state = AccountState.objects.filter(account_id=entry.account_id).first()
    if state is None:
        return ""
    if state.reconnect_needed:
        credential = _credential(entry.account)
        if credential is None or credential.status != PlatformCredential.Status.OK:
            return "reconnect"
        # A person has connected the account again since: publishing resumes.
        _update_state(state, reconnect_needed=False, last_error="")
    if state.paused_until is not None and state.paused_until > timezone.now():
        return "paused"
    return ""


def _update_state(state: AccountState, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(state, name, value)
    state.save(update_fields=[*fields, "updated_at"])
