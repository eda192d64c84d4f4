"""Mastodon's answers mapped onto the connector errors (docs.joinmastodon.org, REST API).

Errors are ``{"error": "…"}`` with the HTTP status saying what happened: 401 the token is
invalid or revoked (Mastodon tokens do not expire by themselves, and there is no refresh),
403 the token lacks the scope, 404 no such record, 422 the request was refused ("Validation
failed: …"), 429 too many requests (``X-RateLimit-Reset`` says when the window resets,
api/rate-limits), 5xx the server failed.
"""

from __future__ import annotations

from datetime import datetime

import httpx
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import (
    MaybeSubmitted,
    PermanentError,
    RateLimited,
    RetryableError,
    TokenExpired,
)
from quartieri.channels.connectors.http import json_body


def reset_seconds(response: httpx.Response) -> float | None:
    """Seconds until ``X-RateLimit-Reset`` (an ISO 8601 time), or None when not given."""
    raw = response.headers.get("X-RateLimit-Reset", "").strip()
    if not raw:
        return None
    try:
        reset = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (reset - timezone.now()).total_seconds())


def mastodon_error(response: httpx.Response, *, creates: bool, publish_id: str = "") -> Exception:
    """The connector error for a refused answer; ``creates`` marks a call that may post."""
    message = str(json_body(response).get("error", "")) or response.reason_phrase
    detail = f"HTTP {response.status_code}: {message}"
    status = response.status_code
    if status == 429:
        return RateLimited(detail, retry_after_seconds=reset_seconds(response), scope="account")
    if status == 401:
        return TokenExpired(detail)
    if status >= 500:
        # The server failed while handling a call that posts: the status may exist.
        return MaybeSubmitted(detail, publish_id=publish_id) if creates else RetryableError(detail)
    if status == 403:
        return PermanentError(
            reason=_("Mastodon does not let quartieri post on this account (%(error)s).")
            % {"error": message},
            action=_("Connect the account again with a token that may write statuses and media."),
            detail=detail,
        )
    return PermanentError(
        reason=_("Mastodon refused the post: %(error)s") % {"error": message},
        action=_("Edit the post to fit the server's rules, then schedule it again."),
        detail=detail,
    )
