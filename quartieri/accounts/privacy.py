"""Client addresses are pseudonymised before anything stores them."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

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
