"""The website channel's feeds (Atom, RFC 4287; JSON Feed 1.1), the sitemap and robots.txt.

Entries are the approved website variants whose time has come (``kind.feed_entries``).
Everything written here depends only on the data, never on the clock, so a build with
the same input writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from quartieri.minisites.kind import FeedEntry
from quartieri.minisites.render import environment

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry_id(entry: FeedEntry, host: str) -> str:
    # A tag URI (RFC 4151): permanent, whatever the site's address becomes.
    return f"tag:{host},2021:quartieri:variant:{entry.variant_id}"


def _updated(entries: Sequence[FeedEntry], fallback: dt.date) -> dt.datetime:
    if entries:
        return max(e.updated_at for e in entries)
    return dt.datetime.combine(fallback, dt.time(0), tzinfo=dt.UTC)


def atom(
    *,
    title: str,
    home: str,
    self_url: str,
    host: str,
    entries: Sequence[FeedEntry],
    fallback_date: dt.date,
) -> bytes:
    # A template (autoescaped: valid XML text and attributes), newest entry first.
    items = [
        {
            "id": _entry_id(entry, host),
            "title": entry.title,
            "published": _iso(entry.published_at),
            "updated": _iso(entry.updated_at),
            "link": entry.link or home,
            "language": entry.language,
            "text": entry.text,
        }
        for entry in reversed(entries)
    ]
    return (
        environment()
        .get_template("minisites/feed.atom")
        .render(
            title=title,
            self_url=self_url,
            home=home,
            updated=_iso(_updated(entries, fallback_date)),
            entries=items,
        )
        .encode()
    )


def json_feed(
    *, title: str, home: str, self_url: str, host: str, entries: Sequence[FeedEntry]
) -> bytes:
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": home,
        "feed_url": self_url,
        "items": [
            {
                "id": _entry_id(entry, host),
                "url": entry.link or home,
                "title": entry.title,
                "content_text": entry.text,
                "language": entry.language,
                "date_published": _iso(entry.published_at),
                "date_modified": _iso(entry.updated_at),
            }
            for entry in reversed(entries)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "quartieri"


def sitemap(urls: Iterable[str]) -> bytes:
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for url in sorted(urls):
        ET.SubElement(ET.SubElement(root, f"{{{SITEMAP}}}url"), f"{{{SITEMAP}}}loc").text = url
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + bytes(ET.tostring(root, encoding="utf-8"))


def robots(*, base_url: str, indexable: bool) -> bytes:
    if not indexable:
        return b"User-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\nSitemap: {base_url}/sitemap.xml\n".encode()
