"""What a request tells about its client, reduced before anything is kept.

The user agent is read once to answer three coarse questions (bot? phone, tablet or
computer?) and then forgotten; the country comes from the preferred language's region in
Accept-Language (``it-IT`` → IT), never from the address. The answers are cached by header
value in memory, so a hot redirect classifies each distinct browser once per process.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from quartieri.analytics.tracking import Device

# Crawlers, link previewers (they fetch a link to draw a card, nobody clicked), monitors
# and scripts. An empty user agent is a script too.
_BOT = re.compile(
    r"\bbot\b|bot/|crawl|spider|slurp|facebookexternalhit|facebookcatalog|embedly|preview|"
    r"headless|curl/|wget/|python|httpx|aiohttp|okhttp|java/|go-http|libwww|scrapy|axios|"
    r"node-fetch|monitor|lighthouse|pingdom|whatsapp/|telegrambot|discordbot|slackbot|"
    r"skypeuripreview|bingpreview|feedfetcher|mediapartners",
    re.IGNORECASE,
)
_TABLET = re.compile(r"ipad|tablet|kindle|silk/|playbook|android(?!.*mobile)", re.IGNORECASE)
_MOBILE = re.compile(r"mobi|iphone|ipod|windows phone|blackberry|opera mini", re.IGNORECASE)
_DESKTOP = re.compile(r"windows nt|macintosh|x11|cros|linux", re.IGNORECASE)
_REGION = re.compile(r"[A-Za-z]{2,3}[-_](?:[A-Za-z]{4}[-_])?([A-Za-z]{2})(?:$|[-_])")


@lru_cache(maxsize=4096)
def client_class(user_agent: str) -> tuple[str, bool]:
    """(device class, is a bot) for a user agent header."""
    if not user_agent.strip() or _BOT.search(user_agent):
        return Device.OTHER, True
    if _TABLET.search(user_agent):
        return Device.TABLET, False
    if _MOBILE.search(user_agent):
        return Device.MOBILE, False
    if _DESKTOP.search(user_agent):
        return Device.DESKTOP, False
    return Device.OTHER, False


@lru_cache(maxsize=1024)
def country_from_language(accept_language: str) -> str:
    """The region of the most preferred language (``en-GB,en;q=0.8`` → GB), or ""."""
    ranges = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        ranges.append((-weight, position, tag.strip()))
    if not ranges:
        return ""
    tag = min(ranges)[2]
    found = _REGION.match(tag)
    return found.group(1).upper() if found else ""


def visitor_key(*, salt: bytes, address: str, user_agent: str) -> int:
    """8 bytes of SHA-256(salt, address, user agent) as a signed 64-bit number.

    Without the day's salt, which is deleted within 48 hours, the key cannot be tied back
    to an address (Plausible's design, newsletter-and-analytics.md §5.1).
    """
    digest = hashlib.sha256(salt + b"\x00" + address.encode() + b"\x00" + user_agent.encode())
    return int.from_bytes(digest.digest()[:8], "big", signed=True)
