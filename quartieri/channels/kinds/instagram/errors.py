"""Instagram's error subcodes mapped onto the connector errors (platform-apis.md §2.3, §3.4).

The Graph error envelope and the common codes are handled in ``connectors.graph``; this adds
the publishing subcodes (as mapped by Postiz) and the container ``status`` text of ERROR.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import PermanentError, RateLimited, RetryableError

DAILY_LIMIT_SUBCODE = 2207042
RETRYABLE_SUBCODES = {2207082, 2207003}  # upload to retry, media download timed out
_FIX_MEDIA = _("Fix the media as described and schedule the post again.")

SUBCODES: dict[int, tuple[Promise, Promise]] = {
    2207001: (
        _("Instagram flagged the post as possible spam."),
        _("Change the text and media before posting again."),
    ),
    2207009: (
        _("The picture's shape is outside what Instagram accepts (4:5 to 1.91:1)."),
        _FIX_MEDIA,
    ),
    36003: (
        _("The picture's shape is outside what Instagram accepts (4:5 to 1.91:1)."),
        _FIX_MEDIA,
    ),
    2207010: (
        _("The caption is longer than Instagram allows (2,200 characters)."),
        _("Shorten the caption and schedule the post again."),
    ),
    2207020: (
        _("The prepared Instagram media expired before it was published."),
        _("Schedule the post again: Instagram keeps prepared media for 24 hours."),
    ),
    2207026: (_("Instagram could not use the video format."), _FIX_MEDIA),
    2207050: (
        _("Instagram has restricted this account."),
        _("Open the Instagram app to see and resolve the restriction."),
    ),
    2207052: (
        _("Instagram could not download the media from its web address."),
        _("Make sure the media address is public (not on this computer) and try again."),
    ),
}


def instagram_error(code: int, subcode: int, detail: str) -> Exception | None:
    if subcode == DAILY_LIMIT_SUBCODE:
        # The rolling 24-hour publishing quota (§2.2): wait; Meta gives no time.
        return RateLimited(detail, retry_after_seconds=None, scope="publishing_quota")
    if subcode in RETRYABLE_SUBCODES:
        return RetryableError(detail)
    if subcode in SUBCODES:
        reason, action = SUBCODES[subcode]
        return PermanentError(reason=reason, action=action, detail=detail)
    return None


def container_error(status_text: str) -> PermanentError:
    """A container in ERROR: its ``status`` text carries the subcode (``… 2207026``)."""
    found = re.search(r"\b(\d{5,7})\b", status_text)
    subcode = int(found.group(1)) if found else 0
    if subcode in SUBCODES:
        reason, action = SUBCODES[subcode]
    else:
        reason = _("Instagram could not process the media of this post.")
        action = _FIX_MEDIA
    return PermanentError(reason=reason, action=action, detail=f"container ERROR: {status_text}")


def container_expired() -> PermanentError:
    reason, action = SUBCODES[2207020]
    return PermanentError(reason=reason, action=action, detail="container EXPIRED")
