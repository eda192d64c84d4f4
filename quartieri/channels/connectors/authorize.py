"""What the OAuth connect flows of every platform share: PKCE, state, URLs, the refusal error.

The browser part of a connect (authorize URL, callback) is OAuth 2.0's authorization-code
flow; each platform's module (``tiktok/oauth.py``, ``graph_oauth.py``) builds its own URL and
exchanges the code, and raises ``AuthorizationError`` when the platform refuses.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from quartieri.channels.connectors.base import ConnectorError


class AuthorizationError(ConnectorError):
    """The platform refused an authorization step (a code, a client, a grant).

    ``code`` is the platform's error name or number (``invalid_grant``, ``100/36009``),
    ``description`` its own words; the caller turns them into plain words for people.
    """

    def __init__(self, detail: str = "", *, code: str = "", description: str = "") -> None:
        super().__init__(detail or f"{code}: {description}")
        self.code = code
        self.description = description


@dataclass(frozen=True)
class Pkce:
    """A PKCE pair (RFC 7636, method S256): the verifier stays with us, the challenge travels."""

    verifier: str
    challenge: str


def pkce_challenge(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding: the S256 method of RFC 7636 §4.2."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def pkce_new() -> Pkce:
    # 64 random bytes give 86 characters of [A-Za-z0-9_-]: inside RFC 7636's 43-128.
    verifier = secrets.token_urlsafe(64)
    return Pkce(verifier=verifier, challenge=pkce_challenge(verifier))


def state_new() -> str:
    """An unguessable value binding a callback to the browser session that started it."""
    return secrets.token_urlsafe(32)


def url_with_query(base: str, path: str, params: Mapping[str, str]) -> str:
    return f"{base.rstrip('/')}{path}?{urlencode(params)}"
