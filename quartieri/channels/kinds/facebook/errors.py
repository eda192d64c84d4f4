"""Facebook Pages errors mapped onto the connector errors (platform-apis.md §3.4).

The Graph envelope, throttling codes (4, 17, 32, 613, 80001-80014), 190 and the common
refusals (10, 200-299, 368, 506) live in ``connectors.graph``; this adds what only the
Pages endpoints answer.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from quartieri.channels.connectors.base import PermanentError

LINK_ERROR = 1609005


def facebook_error(code: int, subcode: int, detail: str) -> Exception | None:
    if code == LINK_ERROR:
        return PermanentError(
            reason=_("Facebook could not read the link in the post."),
            action=_("Check that the link opens in a browser, then schedule the post again."),
            detail=detail,
        )
    return None


def video_error(detail: str) -> PermanentError:
    return PermanentError(
        reason=_("Facebook could not process the video."),
        action=_("Export the video again as MP4 (H.264, AAC) and schedule the post again."),
        detail=detail,
    )
