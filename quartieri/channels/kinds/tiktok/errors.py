"""TikTok's error answers mapped to the connector errors (platform-apis.md §1.7).

Every TikTok v2 response carries ``error: {code, message, log_id}`` with ``code == "ok"`` on
success. The HTTP status of the posting errors is unverified (§7), so the mapping goes by
``code`` first and by HTTP status only for what it cannot name.
"""

from __future__ import annotations

from typing import Any

import httpx
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import (
    MaybeSubmitted,
    PermanentError,
    RateLimited,
    RetryableError,
    TokenExpired,
)
from quartieri.channels.connectors.http import json_body, retry_after_seconds

_RECONNECT = _("Reconnect the TikTok account in quartieri and accept every permission asked.")

# code -> (what went wrong, what to do), in plain words for the person who scheduled the post.
PERMANENT: dict[str, tuple[Promise, Promise]] = {
    "scope_not_authorized": (
        _("The TikTok account did not give quartieri permission to post."),
        _RECONNECT,
    ),
    "scope_permission_missed": (
        _("The TikTok account did not give quartieri permission to post."),
        _RECONNECT,
    ),
    "invalid_params": (
        _("TikTok rejected the post's settings."),
        _("Check the text length, privacy choice and media, then schedule the post again."),
    ),
    "invalid_file_upload": (
        _("TikTok rejected the uploaded video file."),
        _("Export the video again as MP4 (H.264) and schedule the post again."),
    ),
    "spam_risk_user_banned_from_posting": (
        _("TikTok has banned this account from posting."),
        _("Check the account in the TikTok app; quartieri cannot post until TikTok lifts it."),
    ),
    "spam_risk_text": (
        _("TikTok flagged the post's text as possible spam."),
        _("Rewrite the text (fewer links, hashtags and mentions) and schedule it again."),
    ),
    "unaudited_client_can_only_post_to_private_accounts": (
        _("This quartieri installation is not yet approved by TikTok for public posts."),
        _("Make the TikTok account private and post as 'Only me', or finish TikTok's audit."),
    ),
    "url_ownership_unverified": (
        _("TikTok does not accept media from this web address."),
        _("Verify the media domain in the TikTok developer portal, or upload the file."),
    ),
    "privacy_level_option_mismatch": (
        _("The chosen privacy setting is not available for this TikTok account."),
        _("Choose one of the privacy settings TikTok offers for this account."),
    ),
    "app_version_check_failed": (
        _("TikTok refused the request from this version of the app."),
        _("Ask the administrator to update quartieri."),
    ),
}

# Daily caps: nothing is wrong with the post, it has to wait (no Retry-After is given).
DAILY_CAPS: dict[str, str] = {
    "spam_risk_too_many_posts": "creator_daily",
    "spam_risk_too_many_pending_share": "creator_inbox",
    "reached_active_user_cap": "app_daily",
}

# status/fetch fail_reason -> plain reason; the action is the same for all media checks.
FAIL_REASONS: dict[str, Promise] = {
    "file_format_check_failed": _("TikTok could not read the video format."),
    "duration_check_failed": _("The video is longer or shorter than TikTok allows."),
    "frame_rate_check_failed": _("The video's frame rate is outside 23-60 frames per second."),
    "picture_size_check_failed": _("The picture size is outside what TikTok accepts."),
    "video_pull_failed": _("TikTok could not download the video from its web address."),
    "photo_pull_failed": _("TikTok could not download a photo from its web address."),
}
_MEDIA_ACTION = _("Fix the media file as described and schedule the post again.")


def fail_reason_error(fail_reason: str) -> PermanentError:
    reason = FAIL_REASONS.get(fail_reason) or _("TikTok could not publish the post.")
    return PermanentError(reason=reason, action=_MEDIA_ACTION, detail=f"fail_reason={fail_reason}")


def api_data(response: httpx.Response, *, creates: bool, publish_id: str = "") -> dict[str, Any]:
    """The ``data`` object of a successful answer; otherwise the matching connector error."""
    body = json_body(response)
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = str(error.get("code", "")) if error else ""
    if response.is_success and code in {"", "ok"}:
        data = body.get("data")
        return data if isinstance(data, dict) else {}
    detail = f"HTTP {response.status_code} {code}: {error.get('message', '') if error else ''}"
    detail += f" (log_id {error.get('log_id', '')})" if error else ""
    raise _classify(response, code, detail, creates=creates, publish_id=publish_id)


def _classify(
    response: httpx.Response, code: str, detail: str, *, creates: bool, publish_id: str
) -> Exception:
    if response.status_code == 429 or code == "rate_limit_exceeded":
        return RateLimited(
            detail, retry_after_seconds=retry_after_seconds(response), scope="user_token"
        )
    if code == "access_token_invalid" or (response.status_code == 401 and not code):
        return TokenExpired(detail)
    if code in DAILY_CAPS:
        return RateLimited(detail, retry_after_seconds=None, scope=DAILY_CAPS[code])
    if code in PERMANENT:
        reason, action = PERMANENT[code]
        return PermanentError(reason=reason, action=action, detail=detail)
    if response.status_code >= 500 or code == "internal_error":
        # A server error on a call that creates a post does not say it did nothing.
        if creates:
            return MaybeSubmitted(detail, publish_id=publish_id)
        return RetryableError(detail)
    return PermanentError(
        reason=_("TikTok refused the request."),
        action=_("Check the post and the account; the technical detail is in the log."),
        detail=detail,
    )


def oauth_error(response: httpx.Response) -> Exception:
    """Errors of ``/v2/oauth/token/``, which answers ``{error, error_description, log_id}``."""
    body = json_body(response)
    code = str(body.get("error", ""))
    detail = f"HTTP {response.status_code} {code}: {body.get('error_description', '')}"
    if response.status_code == 429:
        return RateLimited(detail, retry_after_seconds=retry_after_seconds(response), scope="app")
    if response.status_code >= 500:
        return RetryableError(detail)
    # invalid_grant and friends: the refresh token is dead; a person must reconnect.
    return TokenExpired(detail)
