"""Client addresses are pseudonymised before anything stores them; user agents are never
stored (docs/architecture.md, "Brute force")."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.http import HttpRequest


def pseudonymise_ip(raw: str) -> str:
    """Map an address to a stable IPv6 address in the unique-local range fd00::/8.

    Brute-force protection needs "the same client again", not who the client is. A keyed
    hash keeps that property while the stored value reveals nothing; it stays a valid IP
    address so libraries with IP columns (django-axes) accept it on PostgreSQL too.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), raw.encode(), hashlib.sha256).digest()
    return str(ipaddress.IPv6Address(b"\xfd" + digest[:15]))


def pseudonymous_client_ip(request: HttpRequest) -> str:
    return pseudonymise_ip(request.META.get("REMOTE_ADDR", "") or "unknown")


def _forget_client_details(request: HttpRequest | None) -> None:
    # Axes copies the User-Agent and Accept headers into every row it writes (attempts,
    # access and failure logs) and into its log lines. The lockout keys on the username and
    # the address pseudonym only (AXES_LOCKOUT_PARAMETERS), so the headers serve nothing.
    if request is not None and hasattr(request, "axes_user_agent"):
        request.axes_user_agent = ""
        request.axes_http_accept = ""  # type: ignore[attr-defined]


class PrivateAxesHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """django-axes' database handler, without the client's user agent and Accept header.

    Axes has no setting for them; every entry point that receives the request blanks them
    before the stock handler stores or logs anything.
    """

    def is_allowed(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        _forget_client_details(request)
        return bool(super().is_allowed(request, credentials))

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        _forget_client_details(request)
        return bool(super().is_locked(request, credentials))

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        _forget_client_details(request)
        return int(super().get_failures(request, credentials))

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kw: Any,
    ) -> None:
        _forget_client_details(request)
        super().user_login_failed(sender, credentials, request, **kw)

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kw: Any) -> None:
        _forget_client_details(request)
        super().user_logged_in(sender, request, user, **kw)

    def user_logged_out(self, sender: Any, request: HttpRequest, user: Any, **kw: Any) -> None:
        _forget_client_details(request)
        super().user_logged_out(sender, request, user, **kw)
