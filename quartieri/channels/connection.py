"""How quartieri acts for a channel account: its connector and token, refresh, pauses.

The outbox, insights and compose-time checks all call a platform through here; what
differs per platform (the app's keys, what the API calls the account, whether a live token
buys a new one) is the account's kind's (``channels.base.ChannelKind``).

A token is refreshed once when the platform refuses it; when that fails only a person can
reconnect the account, so it is flagged and its owner told by e-mail, once. Rate limits
pause the one account they concern, never the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.channels.connectors.base import (
    AccountAuth,
    AppCredentials,
    Connector,
    PermanentError,
    QuotaReading,
    RateLimited,
    RetryableError,
    TokenExpired,
)
from quartieri.channels.models import AccountState, ChannelAccount, PlatformCredential
from quartieri.channels.registry import UnknownKindError, connector_class, kind_for
from quartieri.channels.services import credential_mark_reconnect_needed, credential_store

logger = logging.getLogger(__name__)


class ReconnectNeededError(Exception):
    """The platform refused the token and a refresh could not renew it."""


def _credential(account: ChannelAccount) -> PlatformCredential | None:
    return PlatformCredential.objects.filter(account=account).first()


def app_credentials(platform: str) -> AppCredentials | None:
    """The app's keys for the kind's platform; None (refresh refused) when not configured."""
    return kind_for(platform).app_credentials()


def setting_number(name: str, default: float) -> float:
    """A publishing setting that is a number (deployments and tests tune them)."""
    return float(getattr(settings, name, default))


def setting_seconds(name: str, default: float) -> timedelta:
    return timedelta(seconds=setting_number(name, default))


def http_timeout() -> httpx.Timeout | None:
    # How long to wait for an answer; a test platform shortens it to provoke lost answers.
    seconds = getattr(settings, "PUBLISHING_HTTP_TIMEOUT_SECONDS", None)
    return httpx.Timeout(float(seconds), connect=min(5.0, float(seconds))) if seconds else None


def connector_for(
    account: ChannelAccount, *, credential: PlatformCredential | None = None
) -> Connector:
    """A connector acting for ``account`` with its stored token (base URL from settings).

    ``credential``: the account's credential when the caller has just read it.
    """
    credential = credential or _credential(account)
    if credential is None:
        raise PermanentError(
            reason=_("No token is connected for this account."),
            action=_("Connect the account on its “Connect” page, then schedule again."),
        )
    try:
        cls = connector_class(account.platform)
        account_id = kind_for(account.platform).account_id(
            handle=account.handle, external_id=credential.external_id
        )
        auth = AccountAuth(credential.access_token, account_id=account_id, handle=account.handle)
        return cls(  # type: ignore[call-arg]
            auth=auth, app=app_credentials(account.platform), timeout=http_timeout()
        )
    except (ImproperlyConfigured, UnknownKindError) as error:
        raise PermanentError(
            reason=_("The account is not set up for publishing."),
            action=_("Connect the account again with its id on the platform."),
            detail=str(error),
        ) from error


def _refresh(account: ChannelAccount, used: Connector, *, margin: timedelta | None = None) -> bool:
    """Renew the account's token once (True); ReconnectNeededError when only a person can.

    Without ``margin`` this answers a refusal of the token (reactive). With it, it renews
    a token that is still valid but expires within ``margin`` (proactive): a Meta token is
    then exchanged for a new one while the platform still accepts it (§4).
    """
    with transaction.atomic():
        credential = PlatformCredential.objects.select_for_update().filter(account=account).first()
        if credential is None:
            raise ReconnectNeededError("no credential")
        if credential.access_token != getattr(getattr(used, "auth", None), "access_token", None):
            return False  # another worker has just refreshed it: use the new token
        if margin is not None and not token_expiring(credential, margin=margin):
            return False
        grant = credential.refresh_token
        if not grant and margin is not None and kind_for(account.platform).renews_with_access_token:
            grant = credential.access_token  # Meta: fb_exchange_token takes the live token
        if not grant:
            raise ReconnectNeededError("no refresh token")
        try:
            tokens = used.refresh(refresh_token=grant)
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
            account=account,
            tokens=tokens,
            external_id=credential.external_id,
            event="refresh",
        )
        return True


def token_expiring(credential: PlatformCredential, *, margin: timedelta) -> bool:
    """Whether the access token expires within ``margin`` (a token without expiry never)."""
    expires_at = credential.expires_at
    return expires_at is not None and expires_at <= timezone.now() + margin


def _renewable(
    account: ChannelAccount, credential: PlatformCredential | None, *, margin: timedelta
) -> bool:
    return (
        credential is not None
        and credential.status == PlatformCredential.Status.OK
        and token_expiring(credential, margin=margin)
        and app_credentials(account.platform) is not None
    )


def refresh_margin() -> timedelta:
    # Our own safety margin before the expiry the platform gave, not a token lifetime.
    return setting_seconds("PUBLISHING_TOKEN_REFRESH_MARGIN_SECONDS", 1800)


def account_refresh_if_expiring(account: ChannelAccount, *, margin: timedelta) -> bool:
    """Renew the account's token before it expires; True when it was renewed.

    Does nothing for a token without expiry, an account waiting for reconnection, or a
    platform whose app keys are not configured (then only the reactive path can act).
    ``ReconnectNeededError`` when the platform refuses the renewal.
    """
    credential = _credential(account)
    if not _renewable(account, credential, margin=margin):
        return False
    connector = connector_for(account, credential=credential)
    try:
        return _refresh(account, connector, margin=margin)
    finally:
        connector.close()


def _credential_for_use(account: ChannelAccount) -> PlatformCredential | None:
    """The credential to call with, renewed first when it expires within the margin.

    One read on the common path: every platform call of a post starts here.
    """
    credential = _credential(account)
    if not _renewable(account, credential, margin=refresh_margin()):
        return credential
    try:
        account_refresh_if_expiring(account, margin=refresh_margin())
    except (RetryableError, RateLimited) as error:
        # The token still works for a while: go on with it; the next run renews it.
        logger.warning("refreshing the token of %s ahead of expiry failed: %s", account, error)
    return _credential(account)


def account_call[R](account: ChannelAccount, call: Callable[[Connector], R]) -> R:
    """Run ``call`` with a connector; on an expired token refresh once and try once more.

    A token about to expire (``expires_at`` within ``refresh_margin()``) is renewed first.
    """
    connector = connector_for(account, credential=_credential_for_use(account))
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
        _note_quota(account, connector)
        connector.close()


def _note_backoff(account: ChannelAccount, connector: Connector) -> None:
    # Meta's usage headers above 90 %: the connector stops itself; the pause must outlive it.
    backoff = getattr(connector, "backoff", None)
    if isinstance(backoff, RateLimited):
        account_pause(account, backoff)


def _note_quota(account: ChannelAccount, connector: Connector) -> None:
    # Also after a refusal for a used-up quota: the health page shows the platform's figure.
    if connector.quota_reading is not None:
        account_note_quota(account, connector.quota_reading)


# --- Account state ---------------------------------------------------------------------------
def account_pause(account: ChannelAccount, error: RateLimited) -> datetime:
    wait = error.retry_after_seconds
    until = timezone.now() + (
        timedelta(seconds=wait)
        if wait is not None
        else setting_seconds("PUBLISHING_RATE_LIMIT_PAUSE_SECONDS", 900)
    )
    with transaction.atomic():
        state, _created = AccountState.objects.select_for_update().get_or_create(account=account)
        if state.paused_until is None or state.paused_until < until:
            state.paused_until = until
        state.last_error = f"rate limited ({error.scope}): {error.detail}"[:1000]
        state.save()
        return state.paused_until


def account_note_quota(account: ChannelAccount, reading: QuotaReading) -> None:
    """Keep the platform's own count of the account's posts against its daily limit."""
    AccountState.objects.update_or_create(
        account=account,
        defaults={
            "quota_usage": reading.usage,
            "quota_total": reading.total,
            "quota_read_at": timezone.now(),
        },
    )


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
                "What to do: reconnect the account in quartieri (%(link)s), then schedule "
                "the held posts again."
            ) % {
                "platform": account.get_platform_display(),
                "account": account,
                "link": connect_page_url(account),
            }
            transaction.on_commit(partial(send_mail, subject, body, None, recipients))


def connect_page_url(account: ChannelAccount) -> str:
    """The absolute address of the account's connect page, for e-mails."""
    path = reverse("publishing:connect_account", kwargs={"account_id": account.pk})
    return f"{settings.PUBLIC_URL.rstrip('/')}{path}"


# --- Renewing tokens before they expire (task refresh_expiring_tokens) ----------------------
@dataclass(frozen=True)
class RefreshReport:
    renewed: int = 0
    reconnect_needed: int = 0  # the platform refused: the owner was e-mailed
    failed: int = 0  # network, rate limit or set-up problem: the next run tries again


def credential_refresh_expiring(*, margin: timedelta | None = None) -> RefreshReport:
    """Renew every token that expires within ``margin`` (default ``refresh_margin()``).

    Safe to run twice and from several workers: each renewal locks the credential row and
    re-checks that it is still expiring and still the token it read.
    """
    margin = refresh_margin() if margin is None else margin
    due = credentials_due(margin=margin)
    counts = {"renewed": 0, "reconnect_needed": 0, "failed": 0}
    for credential in due.select_related("account", "account__owner").order_by("expires_at", "pk"):
        counts[_refresh_one(credential.account, margin)] += 1
    return RefreshReport(**counts)


def credentials_due(*, margin: timedelta) -> QuerySet[PlatformCredential]:
    """Connected credentials whose access token expires within ``margin``."""
    return PlatformCredential.objects.filter(
        status=PlatformCredential.Status.OK,
        expires_at__isnull=False,
        expires_at__lte=timezone.now() + margin,
    )


def _refresh_one(account: ChannelAccount, margin: timedelta) -> str:
    try:
        renewed = account_refresh_if_expiring(account, margin=margin)
    except ReconnectNeededError as error:
        account_mark_reconnect_needed(account, str(error))
        return "reconnect_needed"
    except (RetryableError, RateLimited, PermanentError) as error:
        logger.warning("could not renew the token of %s: %s", account, error)
        return "failed"
    # Not renewed here: another worker did it meanwhile, or the app keys are missing.
    return "renewed" if renewed else "failed"


def account_gate(account: ChannelAccount) -> str:
    """'' when the account may publish now, else why not (paused / reconnect)."""
    state = AccountState.objects.filter(account_id=account.pk).first()
    if state is None:
        return ""
    if state.reconnect_needed:
        credential = _credential(account)
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
