"""Interface text left in English on a page rendered in Italian: a text node the same in
both languages that holds an English word is an untranslated string (names, codes and data
are the same in both languages too, but hold none of these words, or are allowed below).
Used by tests/test_italian.py (the menu's pages) and tests/core/test_staff_crawl.py (the
demo's pages with data)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Words of English interface text that Italian never uses.
ENGLISH = frozenset(
    re.findall(
        r"\w+",
        """the and of to for with from your you this that these those is are was were be has have
    not yes all any each every none new edit delete save cancel add remove show hide open
    close select option search filter next previous back more less page pages list view
    published scheduled draft review approved rejected failed pending hours week weeks
    day days month months year when where what which who how many total count""",
    )
)
# Same in both languages on purpose: product and platform names, codes.
ALLOWED = frozenset({"quartieri", "Bootstrap Italia", "TikTok", "Instagram", "Facebook", "OK"})
WORD = re.compile(r"[A-Za-z]+")


class _Text(HTMLParser):
    SKIP = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in {"aria-label", "title", "placeholder", "alt"} and value:
                self.nodes.append(value.strip())

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def texts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def english_left(italian: list[str], english: list[str]) -> list[str]:
    same = set(italian) & set(english)
    return sorted(
        node
        for node in same
        if node not in ALLOWED
        and not node.startswith("{")  # a record's data (the audit log's JSON)
        and {w.lower() for w in WORD.findall(node)} & ENGLISH
    )


def texts_in_both_languages(client, path: str) -> dict[str, list[str]]:
    """The page's text nodes as the client reads it in Italian ("it") and in English ("en")."""
    pages = {}
    for language in ("it", "en"):
        client.cookies["django_language"] = language
        answer = client.get(path, headers={"accept-language": language})
        assert answer.status_code == 200, path
        pages[language] = texts(answer.content.decode())
    return pages


# --- Pages with data (the demo's planner result, campaigns, calendar, outbox, screens) ----
# Checked by tests/core/test_staff_crawl.py on the demo it loads anyway: loading the whole
# demo again in tests/test_italian.py would cost more than a minute per suite run.


def data_pages() -> list[str]:
    from quartieri.campaigns.models import Campaign
    from quartieri.newsletter.models import Issue
    from quartieri.planner.models import SavedPlan
    from quartieri.screens.models import Display, Slide

    plan = (
        "/planner/?a-audiences=international-students&a-budget=10000&a-weeks=8"
        "&a-hours_per_week=10&a-objective=reach&a-min_frequency=3"
    )
    pages = [plan, "/planner/saved/", "/campaigns/calendar/", "/publishing/", "/screens/"]
    pages += [f"/planner/saved/{p.pk}/" for p in SavedPlan.objects.all()[:1]]
    for campaign in Campaign.objects.all():
        pages += [f"/campaigns/{campaign.slug}/", f"/analytics/campaigns/{campaign.slug}/"]
    pages += ["/newsletter/"] + [f"/newsletter/issues/{i.pk}/" for i in Issue.objects.all()[:2]]
    pages += [f"/screens/displays/{d.pk}/" for d in Display.objects.all()[:1]]
    pages += [f"/screens/slides/{s.pk}/" for s in Slide.objects.all()[:1]]
    return pages


def data_texts() -> set[str]:
    """Every sentence-like text the database holds (captions written in English for an
    English account, a campaign's name, a source's title): data, the same in both languages."""
    from django.apps import apps
    from django.db import models

    found: set[str] = set()
    for model in apps.get_models():
        names = [
            f.name for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]  # fmt: skip
        for row in model.objects.values_list(*names) if names else []:
            # Sentence-like texts are found inside a node; a short value (a link's random
            # code, a handle) only as the whole node, so it never hides interface words.
            found |= {
                v if len(v) >= 12 and " " in v else f"\0{v}"
                for v in row
                if isinstance(v, str) and v
            }
    return found


def english_left_with_data(client, paths: list[str]) -> dict[str, list[str]]:
    """Interface text left in English on pages that show data, the data itself aside."""
    data = data_texts()
    left = {}
    for path in paths:
        pages = texts_in_both_languages(client, path)
        english = [n for n in english_left(pages["it"], pages["en"]) if not _holds(n, data)]
        if english:
            left[path] = english
    return left


def _holds(node: str, data: set[str]) -> bool:
    if f"\0{node}" in data:
        return True
    return any(value in node for value in data if len(value) <= len(node))
