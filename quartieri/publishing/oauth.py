"""Connecting a channel account from the browser, for every kind with an ``OAuthFlavour``
(TikTok: PKCE; Meta: a Page is chosen).

1. ``connect_begin``: the person may connect the account (``connect_refusal``), the app's
   keys are configured; a flow ``state → account, platform, person, PKCE verifier, redirect
   URI, start time`` is kept in the session, and the platform's authorize URL returned.
2. The callback (``connect_complete``) takes the flow of its ``state`` out of the session
   (so a state works once), checks the person and the permission again, and only then
   trades the code (``flavour.exchange``). The tokens are stored, or, when the flavour
   ``chooses_page`` (Meta), the person's token is kept, encrypted, in the session for step 3.
3. Page choice only: ``page_choices`` lists the person's pages; ``page_choose`` stores the
   chosen page's token with the account id the kind takes from it (``flavour.page_fit``).

Whatever goes wrong (a denial, a forged or replayed state, a missing verifier, a code the
platform refuses), ``ConnectRefused`` says so in plain words and nothing is stored: the
account's previous credential stays as it was. Permission failures raise PermissionDenied.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Role
from quartieri.channels.base import Capability, ManagedPage, OAuthFlavour, PageFit
from quartieri.channels.connection import app_credentials, http_timeout
from quartieri.channels.connectors.authorize import AuthorizationError, pkce_new, state_new
from quartieri.channels.connectors.base import AppCredentials, ConnectorError, TokenSet
from quartieri.channels.models import AccountGrant, ChannelAccount, PlatformCredential
from quartieri.channels.registry import kind_for, slugs_with
from quartieri.channels.selectors import Duty, account_allows, user_grants
from quartieri.channels.services import credential_store
from quartieri.lib.crypto import SecretDecryptError, secret_decrypt, secret_encrypt

logger = logging.getLogger(__name__)

FLOWS_KEY = "publishing_oauth_flows"
PICKS_KEY = "publishing_meta_picks"
# How long a person has to finish on the platform, or to choose a Page (our own limit).
FLOW_SECONDS = 15 * 60
# Platform answers that mean quartieri's own app keys are wrong, not the person's attempt.
_CLIENT_ERRORS = {"invalid_client", "unauthorized_client", "101"}


class ConnectRefused(Exception):  # noqa: N818 (it is a refusal, said to a person)
    """A connect step that stored nothing; ``str()`` says what happened in plain words.

    ``account_id`` is set once the account is known, so the page can go back to it.
    """

    def __init__(self, message: str, *, account_id: int | None = None) -> None:
        super().__init__(message)
        self.account_id = account_id


@dataclass(frozen=True)
class Flow:
    """One connect in progress, kept in the session under its ``state``."""

    account_id: int
    platform: str  # the account's platform
    user_id: int
    redirect_uri: str
    verifier: str  # the PKCE verifier (TikTok); never leaves the server
    started: float

    @property
    def login(self) -> str:
        return _flavour(self.platform).login


@dataclass(frozen=True)
class PageChoice:
    page: ManagedPage
    matches: bool  # the page's (or its linked account's) name is the account's handle
    usable: bool  # e.g. Instagram needs a linked professional account
    note: str


def connectable() -> list[str]:
    """The kinds whose accounts can be connected from the browser."""
    return slugs_with(Capability.OAUTH)


def _flavour(platform: str) -> OAuthFlavour:
    flavour = kind_for(platform).oauth
    if flavour is None:
        raise LookupError(f"{platform} has no browser connection")
    return flavour


# --- Who may connect --------------------------------------------------------------------------
def connect_refusal(
    *, user: User, account: ChannelAccount, grants: dict[int, AccountGrant] | None = None
) -> str:
    """Empty when ``user`` may connect ``account``, else why not.

    An administrator may; on a personal account only its owner; on an institutional one
    whoever may publish there (role and ``can_publish`` grant, as for scheduling).
    ``grants`` (``user_grants``) saves a query per account when checking many.
    """
    if account.platform not in connectable():
        return _("quartieri does not publish to %(platform)s.") % {
            "platform": account.get_platform_display()
        }
    if not user.is_active:
        return _("Your account is not active.")
    if user.role == Role.ADMIN:
        return ""
    if account.is_personal:
        if account.owner_id == user.pk:
            return ""
        return _("%(account)s is a personal account: only its owner may connect it.") % {
            "account": account
        }
    return account_allows(user=user, account=account, duty=Duty.PUBLISH, grants=grants)


def _require(user: User, account: ChannelAccount) -> None:
    reason = connect_refusal(user=user, account=account)
    if reason:
        raise PermissionDenied(reason)


def connect_accounts(*, user: User) -> list[tuple[ChannelAccount, PlatformCredential | None]]:
    """The accounts ``user`` may connect, each with its credential (None: not connected)."""
    accounts = ChannelAccount.objects.filter(platform__in=connectable()).select_related(
        "owner", "credential"
    )
    grants = user_grants(user=user)
    return [
        (account, getattr(account, "credential", None))
        for account in accounts.order_by("platform", "handle")
        if not connect_refusal(user=user, account=account, grants=grants)
    ]


# --- Step 1: to the platform ---------------------------------------------------------------
def callback_uri(login: str) -> str:
    """The redirect URI registered with the platform: static, no parameters (TikTok's rule)."""
    path = reverse("publishing:connect_callback", kwargs={"login": login})
    return f"{settings.PUBLIC_URL.rstrip('/')}{path}"


def _app(account: ChannelAccount) -> AppCredentials:
    app = app_credentials(account.platform)
    if app is None or not app.client_secret:
        raise ConnectRefused(
            _(
                "quartieri has no app keys for %(platform)s, so it cannot ask for access. "
                "Ask the administrator to set %(settings)s."
            )
            % {
                "platform": account.get_platform_display(),
                "settings": _flavour(account.platform).key_settings,
            }
        )
    return app


def connect_begin(*, user: User, account: ChannelAccount, session: SessionBase) -> str:
    """Start a connect: remember the flow in the session, return the platform's URL."""
    _require(user, account)
    app = _app(account)
    flavour = _flavour(account.platform)
    state = state_new()
    pkce = pkce_new() if flavour.uses_pkce else None
    flow = Flow(
        account_id=account.pk,
        platform=account.platform,
        user_id=user.pk,
        redirect_uri=callback_uri(flavour.login),
        verifier=pkce.verifier if pkce else "",
        started=time.time(),
    )
    flows = _live(session, FLOWS_KEY)
    flows[state] = asdict(flow)
    session[FLOWS_KEY] = flows
    return flavour.authorize_url(
        client_id=app.client_id,
        redirect_uri=flow.redirect_uri,
        state=state,
        code_challenge=pkce.challenge if pkce else "",
        slug=account.platform,
    )


def _live(session: SessionBase, key: str) -> dict[str, Any]:
    """The session's entries under ``key`` that are younger than FLOW_SECONDS."""
    entries = session.get(key)
    oldest = time.time() - FLOW_SECONDS
    if not isinstance(entries, dict):
        return {}
    return {
        name: entry
        for name, entry in entries.items()
        if isinstance(entry, dict) and entry.get("started", 0) > oldest
    }


# --- Step 2: back from the platform ----------------------------------------------------------
_UNKNOWN_FLOW = gettext_lazy(
    "This connection attempt was not started in this browser session, has expired or was "
    "already used. Nothing was changed: start again with “Connect”."
)


def _take_flow(
    *, user: User, session: SessionBase, state: str, login: str
) -> tuple[Flow, ChannelAccount]:
    """The flow started with ``state`` in this session (removed: a state works once)."""
    flows = _live(session, FLOWS_KEY)
    raw = flows.pop(state, None) if state else None
    session[FLOWS_KEY] = flows
    try:
        flow = Flow(**raw) if raw is not None else None
    except TypeError:  # written by an older version of this code: start again
        flow = None
    if flow is None or flow.user_id != user.pk or flow.login != login:
        raise ConnectRefused(str(_UNKNOWN_FLOW))
    account = ChannelAccount.objects.filter(pk=flow.account_id).first()
    if account is None or account.platform != flow.platform:
        raise ConnectRefused(str(_UNKNOWN_FLOW))
    _require(user, account)
    return flow, account


def _code(account: ChannelAccount, params: dict[str, str]) -> str:
    """The authorisation code of the callback, or why the platform sent none."""
    words = {"platform": account.get_platform_display(), "account": account}
    error = params.get("error", "")
    if error == "access_denied":
        message = _(
            "You did not give quartieri permission on %(platform)s, so nothing was changed "
            "for %(account)s."
        )
    elif error:
        words["error"] = params.get("error_description") or error
        message = _(
            "%(platform)s stopped the connection (%(error)s). Nothing was changed for %(account)s."
        )
    elif not params.get("code"):
        message = _("%(platform)s came back without an authorisation code. Nothing was changed.")
    else:
        return params["code"]
    raise ConnectRefused(message % words, account_id=account.pk)


def _refused(account: ChannelAccount, error: ConnectorError) -> ConnectRefused:
    logger.warning("connecting %s failed: %s", account, error)
    words = {"platform": account.get_platform_display()}
    if isinstance(error, AuthorizationError) and error.code in _CLIENT_ERRORS:
        message = _(
            "%(platform)s does not accept quartieri's app keys. Nothing was changed; ask the "
            "administrator to check them."
        )
    elif isinstance(error, AuthorizationError):
        message = _(
            "%(platform)s refused to complete the connection: the authorisation was already "
            "used, has expired or does not match this attempt. Nothing was changed: start "
            "again with “Connect”."
        )
    else:
        message = _("%(platform)s did not answer. Nothing was changed; try again in a few minutes.")
    return ConnectRefused(message % words, account_id=account.pk)


def connect_complete(
    *, user: User, session: SessionBase, login: str, params: dict[str, str]
) -> tuple[ChannelAccount, PlatformCredential | None]:
    """Trade the callback's code for tokens: stored at once (the credential), or, when the
    person must still choose a page, kept encrypted in the session (credential None)."""
    flow, account = _take_flow(
        user=user, session=session, state=params.get("state", ""), login=login
    )
    code = _code(account, params)
    flavour = _flavour(account.platform)
    if flavour.uses_pkce and not flow.verifier:
        raise ConnectRefused(
            _(
                "This connection attempt lost its security check, so quartieri cannot finish "
                "it. Nothing was changed: start again with “Connect”."
            ),
            account_id=account.pk,
        )
    try:
        grant = flavour.exchange(
            app=_app(account),
            code=code,
            redirect_uri=flow.redirect_uri,
            code_verifier=flow.verifier,
            timeout=http_timeout(),
        )
    except ConnectorError as error:
        raise _refused(account, error) from error
    if not flavour.chooses_page:
        credential = credential_store(
            actor=user, account=account, tokens=grant.tokens, external_id=grant.external_id
        )
        return account, credential
    picks = _live(session, PICKS_KEY)
    picks[str(account.pk)] = {
        "user": user.pk,
        # Sessions are stored in plain text: the token is encrypted like every other.
        "token": secret_encrypt(plaintext=grant.tokens.access_token),
        "started": time.time(),
    }
    session[PICKS_KEY] = picks
    return account, None


# --- Step 3 (Meta): the Page ----------------------------------------------------------------
def _pick_token(*, user: User, session: SessionBase, account: ChannelAccount) -> str:
    pick = _live(session, PICKS_KEY).get(str(account.pk))
    try:
        if pick is not None and pick["user"] == user.pk:
            return secret_decrypt(token=pick["token"])
    except SecretDecryptError:
        pass
    raise ConnectRefused(
        _(
            "The list of Facebook Pages is no longer available (it lasts 15 minutes and is "
            "used once). Nothing was changed: start again with “Connect”."
        ),
        account_id=account.pk,
    )


def _pages(*, account: ChannelAccount, user_token: str) -> list[tuple[ManagedPage, PageFit]]:
    flavour = _flavour(account.platform)
    try:
        pages = flavour.pages(app=_app(account), user_token=user_token, timeout=http_timeout())
    except ConnectorError as error:
        raise _refused(account, error) from error
    return [(page, flavour.page_fit(page=page, slug=account.platform)) for page in pages]


def _matches(account: ChannelAccount, fit: PageFit) -> bool:
    wanted = {account.handle.lstrip("@").casefold(), account.display_name.casefold()} - {""}
    return bool(wanted & fit.names)


def page_choices(*, user: User, session: SessionBase, account: ChannelAccount) -> list[PageChoice]:
    """The person's pages for ``account``, those matching its handle first."""
    _require(user, account)
    pages = _pages(
        account=account, user_token=_pick_token(user=user, session=session, account=account)
    )
    choices = [
        PageChoice(
            page=page,
            matches=bool(fit.external_id) and _matches(account, fit),
            usable=bool(fit.external_id),
            note=fit.note,
        )
        for page, fit in pages
    ]
    return sorted(choices, key=lambda c: (not c.matches, not c.usable, c.page.name.casefold()))


def page_choose(
    *, user: User, session: SessionBase, account: ChannelAccount, page_id: str
) -> PlatformCredential:
    """Store the chosen page's token, with the account id the kind takes from it."""
    _require(user, account)
    user_token = _pick_token(user=user, session=session, account=account)
    found = next(
        ((p, fit) for p, fit in _pages(account=account, user_token=user_token) if p.id == page_id),
        None,
    )
    if found is None or not found[0].access_token:
        raise ConnectRefused(
            _("That Page is not among those your Facebook account manages. Nothing was changed."),
            account_id=account.pk,
        )
    page, fit = found
    if not fit.external_id:
        raise ConnectRefused(fit.refusal, account_id=account.pk)
    # A Page token made from a long-lived user token does not expire (§3.1): no expiry.
    credential = credential_store(
        actor=user,
        account=account,
        tokens=TokenSet(access_token=page.access_token),
        external_id=fit.external_id,
    )
    picks = _live(session, PICKS_KEY)
    picks.pop(str(account.pk), None)
    session[PICKS_KEY] = picks
    return credential
