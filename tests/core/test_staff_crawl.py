"""Every page the staff menu leads to answers without a server error, for every role.

The crawl signs in as each of the demo's people (admin, approver, editor, analyst) on the
whole demo (88 neighbourhoods, places with and without a position, tours, playlists, the
campaign with variants in every state, connected accounts, scheduled posts), starts at the
home page and follows, breadth first, every same-origin link found in the pages' HTML and
every same-origin redirect. A 5xx fails the test naming the URL and the page that linked it.

To keep it inside the suite's time budget, each URL pattern (as ``resolve()`` names it) is
visited at most ``PER_PATTERN`` times (the admin's, once): the first instances found, so the
lists a person sees first (e.g. the map's "places without a position") are the ones checked.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

from quartieri.accounts.models import User
from quartieri.core.demo import DEMO_PEOPLE
from tests.untranslated import data_pages, english_left_with_data

PER_PATTERN = 2
# The Django admin (linked from the people page) is the same generic views for every model:
# one instance of each of its patterns is enough to show each ModelAdmin works.
PER_ADMIN_PATTERN = 1
# Links that do something when followed with GET, or leave for another site: never crawled.
SKIPPED_VIEWS = {
    "accounts:logout",  # signs the person out (a POST form today; skipped if ever a link)
    "publishing:connect_start",  # starts an OAuth authorisation at the platform's site
}
SKIPPED_PREFIXES = ("/static/",)


class LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


@dataclass(frozen=True)
class Visit:
    url: str
    linked_from: str


@dataclass
class CrawlReport:
    visited: list[str]
    failures: list[str]
    patterns: Counter[str]


ORIGIN = "http://testserver"


def same_origin_path(base: str, href: str) -> str | None:
    absolute = urljoin(ORIGIN + base, urldefrag(href).url)
    parts = urlsplit(absolute)
    if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return None
    if not parts.path or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def pattern_of(path: str) -> str | None:
    """The URL pattern a path resolves to, or None for a path we must not follow."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return "(no route)"
    if match.view_name in SKIPPED_VIEWS:
        return None
    return match.route


def links_of(response: Any, url: str) -> list[str]:
    if response.status_code in {301, 302, 303, 307, 308}:
        target = same_origin_path(url, response["Location"])
        return [target] if target else []
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    collector = LinkCollector()
    collector.feed(response.content.decode())
    return [path for href in collector.hrefs if (path := same_origin_path(url, href))]


def crawl(client: Client, *, start: str = "/") -> CrawlReport:
    queue: deque[Visit] = deque([Visit(start, "(start)")])
    seen = {start}
    patterns: Counter[str] = Counter()
    report = CrawlReport(visited=[], failures=[], patterns=patterns)
    while queue:
        visit = queue.popleft()
        response = client.get(visit.url)
        report.visited.append(visit.url)
        if response.status_code >= 500:
            error = getattr(response, "exc_info", None)
            cause = f" ({error[0].__name__}: {error[1]})" if error else ""
            report.failures.append(
                f"{visit.url} answered {response.status_code}{cause}, linked from {visit.linked_from}"
            )
            continue
        for path in links_of(response, visit.url):
            if path in seen:
                continue
            seen.add(path)
            pattern = pattern_of(path)
            cap = PER_ADMIN_PATTERN if path.startswith("/admin/") else PER_PATTERN
            if pattern is None or patterns[pattern] >= cap:
                continue
            patterns[pattern] += 1
            queue.append(Visit(path, visit.url))
    return report


def test_every_page_linked_for_every_role_answers_without_a_server_error(demo: None) -> None:
    failures: list[str] = []
    for person in DEMO_PEOPLE:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=person.username))
        report = crawl(client)
        # The crawl really went through the platform: the menu and the pages behind it.
        assert len(report.visited) > 20, (person.role, report.visited)
        failures += [f"as {person.role}: {failure}" for failure in report.failures]
    assert not failures, "\n".join(failures)
    # On the same demo: the pages with data speak Italian (tests/test_italian.py).
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    assert english_left_with_data(admin, data_pages()) == {}
