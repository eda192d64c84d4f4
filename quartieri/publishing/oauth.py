"""Connecting a channel account from the browser: TikTok (PKCE) and Meta (a Page is chosen).

1. ``connect_begin``: the person may connect the account (``connect_refusal``), the app's
   keys are configured; a flow ``state → account, platform, person, PKCE verifier, redirect
   URI, start time`` is kept in the session, and the platform's authorize URL returned.
2. The callback (``connect_tiktok_complete`` / ``connect_meta_complete``) takes the flow of
   its ``state`` out of the session (so a state works once), checks the person and the
   permission again, and only then trades the code. TikTok: the tokens are stored.
   Meta: the long-lived user token is kept, encrypted, in the session for step 3.
3. Meta only: ``meta_page_choices`` lists the person's Pages; ``meta_page_choose`` stores
   the chosen Page's token (and, for Instagram, the Page's linked professional account).

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
from quartieri.channels.connectors.authorize import AuthorizationError, pkce_new, state_new
from quartieri.channels.connectors.base import AppCredentials, ConnectorError, TokenSet
from quartieri.channels.models import AccountGrant, ChannelAccount, PlatformCredential
from quartieri.channels.selectors import Duty, account_allows, user_grants
from quartieri.channels.services import credential_store
from quartieri.lib.crypto import SecretDecryptError, secret_decrypt, secret_encrypt
from quartieri.publishing.connection import app_credentials, http_timeout
from quartieri.publishing.connectors import graph_oauth
from quartieri.publishing.connectors.graph_oauth import MetaLogin, MetaPage
from quartieri.publishing.connectors.tiktok import oauth as tiktok_oauth

logger = logging.getLogger(__name__)

FLOWS_KEY = "publishing_oauth_flows"
PICKS_KEY = "publishing_meta_picks"
# How long a person has to finish on the platform, or to choose a Page (our own limit).
FLOW_SECONDS = 15 * 60
# The platforms whose connect flow is built (oauth here, connectors/*oauth.py).
CONNECTABLE = ("tiktok", "instagram", "facebook")
_KEY_SETTINGS = {
    "tiktok": "QUARTIERI_TIKTOK_CLIENT_KEY / QUARTIERI_TIKTOK_CLIENT_SECRET",
    "meta": "QUARTIERI_META_APP_ID / QUARTIERI_META_APP_SECRET",
}
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
        return "tiktok" if self.platform == "tiktok" else "meta"


@dataclass(frozen=True)
class PageChoice:
    page: MetaPage
    matches: bool  # the Page's (or its Instagram account's) name is the account's handle
    usable: bool  # Instagram needs a linked professional account
    note: str


# --- Who may connect --------------------------------------------------------------------------
def connect_refusal(
    *, user: User, account: ChannelAccount, grants: dict[int, AccountGrant] | None = None
) -> str:
    """Empty when ``user`` may connect ``account``, else why not.

    An administrator may; on a personal account only its owner; on an institutional one
    whoever may publish there (role and ``can_publish`` grant, as for scheduling).
    ``grants`` (``user_grants``) saves a query per account when checking many.
    """
    if account.platform not in CONNECTABLE:
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
    accounts = ChannelAccount.objects.filter(platform__in=CONNECTABLE).select_related(
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
    path = reverse(f"publishing:connect_{login}_callback")
    return f"{settings.PUBLIC_URL.rstrip('/')}{path}"


def _app(account: ChannelAccount) -> AppCredentials:
    app = app_credentials(account.platform)
    if app is None or not app.client_secret:
        login = "tiktok" if account.platform == "tiktok" else "meta"
        raise ConnectRefused(
            _(
                "quartieri has no app keys for %(platform)s, so it cannot ask for access. "
                "Ask the administrator to set %(settings)s."
            )
            % {"platform": account.get_platform_display(), "settings": _KEY_SETTINGS[login]}
        )
    return app


def connect_begin(*, user: User, account: ChannelAccount, session: SessionBase) -> str:
    """Start a connect: remember the flow in the session, return the platform's URL."""
    _require(user, account)
    app = _app(account)
    state, login = state_new(), ("tiktok" if account.platform == "tiktok" else "meta")
    pkce = pkce_new() if login == "tiktok" else None
    flow = Flow(
        account_id=account.pk,
        platform=account.platform,
        user_id=user.pk,
        redirect_uri=callback_uri(login),
        verifier=pkce.verifier if pkce else "",
        started=time.time(),
    )
    flows = _live(session, FLOWS_KEY)
    flows[state] = asdict(flow)
    session[FLOWS_KEY] = flows
    if pkce is not None:
        return tiktok_oauth.authorize_url(
            client_key=app.client_id,
            redirect_uri=flow.redirect_uri,
            state=state,
            code_challenge=pkce.challenge,
        )
    return graph_oauth.dialog_url(
        app_id=app.client_id,
        redirect_uri=flow.redirect_uri,
        state=state,
        platform=account.platform,
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


def connect_tiktok_complete(
    *, user: User, session: SessionBase, params: dict[str, str]
) -> PlatformCredential:
    """Trade the code (with the PKCE verifier) for tokens and store them."""
    flow, account = _take_flow(
        user=user, session=session, state=params.get("state", ""), login="tiktok"
    )
    code = _code(account, params)
    if not flow.verifier:
        raise ConnectRefused(
            _(
                "This connection attempt lost its security check, so quartieri cannot finish "
                "it. Nothing was changed: start again with “Connect”."
            ),
            account_id=account.pk,
        )
    try:
        grant = tiktok_oauth.exchange_code(
            app=_app(account),
            code=code,
            redirect_uri=flow.redirect_uri,
            code_verifier=flow.verifier,
            timeout=http_timeout(),
        )
    except ConnectorError as error:
        raise _refused(account, error) from error
    return credential_store(
        actor=user, account=account, tokens=grant.tokens, external_id=grant.open_id
    )


def connect_meta_complete(
    *, user: User, session: SessionBase, params: dict[str, str]
) -> ChannelAccount:
    """Trade the code for a long-lived user token, kept for the Page choice; the account."""
    flow, account = _take_flow(
        user=user, session=session, state=params.get("state", ""), login="meta"
    )
    code = _code(account, params)
    try:
        with MetaLogin(app=_app(account), timeout=http_timeout()) as login:
            short = login.exchange_code(code=code, redirect_uri=flow.redirect_uri)
            user_token = login.long_lived(token=short.access_token)
    except ConnectorError as error:
        raise _refused(account, error) from error
    picks = _live(session, PICKS_KEY)
    picks[str(account.pk)] = {
        "user": user.pk,
        # Sessions are stored in plain text: the token is encrypted like every other.
        "token": secret_encrypt(plaintext=user_token.access_token),
        "started": time.time(),
    }
    session[PICKS_KEY] = picks
    return account


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


def _pages(*, account: ChannelAccount, user_token: str) -> list[MetaPage]:
    try:
        with MetaLogin(app=_app(account), timeout=http_timeout()) as login:
            return login.pages(user_token=user_token)
    except ConnectorError as error:
        raise _refused(account, error) from error


def _matches(account: ChannelAccount, page: MetaPage) -> bool:
    wanted = {account.handle.lstrip("@").casefold(), account.display_name.casefold()} - {""}
    names = {page.id, page.name.casefold(), page.instagram_username.casefold()} - {""}
    return bool(wanted & names)


def _choice(account: ChannelAccount, page: MetaPage) -> PageChoice:
    if account.platform == "instagram" and not page.instagram_id:
        note = _("No Instagram professional account is linked to this Page.")
        return PageChoice(page=page, matches=False, usable=False, note=note)
    note = (
        _("Instagram: @%(name)s") % {"name": page.instagram_username}
        if page.instagram_username
        else ""
    )
    return PageChoice(page=page, matches=_matches(account, page), usable=True, note=note)


def meta_page_choices(
    *, user: User, session: SessionBase, account: ChannelAccount
) -> list[PageChoice]:
    """The person's Pages for ``account``, those matching its handle first."""
    _require(user, account)
    pages = _pages(
        account=account, user_token=_pick_token(user=user, session=session, account=account)
    )
    choices = [_choice(account, page) for page in pages]
    return sorted(choices, key=lambda c: (not c.matches, not c.usable, c.page.name.casefold()))


def meta_page_choose(
    *, user: User, session: SessionBase, account: ChannelAccount, page_id: str
) -> PlatformCredential:
    """Store the chosen Page's token (its own id, or its Instagram account's, as the id)."""
    _require(user, account)
    user_token = _pick_token(user=user, session=session, account=account)
    page = next(
        (p for p in _pages(account=account, user_token=user_token) if p.id == page_id), None
    )
    if page is None or not page.access_token:
        raise ConnectRefused(
            _("That Page is not among those your Facebook account manages. Nothing was changed."),
            account_id=account.pk,
        )
    if account.platform == "instagram" and not page.instagram_id:
        raise ConnectRefused(
            _(
                "The Page %(page)s has no Instagram professional account linked, so it cannot "
                "publish on Instagram. Nothing was changed: link the account in Meta's "
                "settings, or choose another Page."
            )
            % {"page": page.name},
            account_id=account.pk,
        )
    external_id = page.instagram_id if account.platform == "instagram" else page.id
    # A Page token made from a long-lived user token does not expire (§3.1): no expiry.
    credential = credential_store(
        actor=user,
        account=account,
        tokens=TokenSet(access_token=page.access_token),
        external_id=external_id,
    )
    picks = _live(session, PICKS_KEY)
    picks.pop(str(account.pk), None)
    session[PICKS_KEY] = picks
    return credential
