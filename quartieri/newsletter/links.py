"""Tracked links in the newsletter's body (contract 3).

Until the analytics app's ``link_for`` exists on this branch, this ONE function builds a
stable absolute URL with UTM parameters, so the swap at merge is one line. Links are the
same for every recipient: clicks are counted in aggregate, never per person (EDPB
Guidelines 2/2023 put per-recipient URL tracking under ePrivacy Art. 5(3)).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings


def tracked_link(
    *,
    target: str,
    channel: str,
    neighbourhood: str | None = None,
    campaign: str | None = None,
    placement: str = "",
) -> str:
    """An absolute URL for ``target`` (a path on this platform or a full URL), with UTM."""
    url = target if urlsplit(target).scheme else settings.PUBLIC_URL + "/" + target.lstrip("/")
    parts = urlsplit(url)
    utm = {"utm_source": channel, "utm_medium": "email", "utm_campaign": campaign or ""}
    if placement:
        utm["utm_content"] = placement
    query = "&".join(filter(None, [parts.query, urlencode(utm)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
