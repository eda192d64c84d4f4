"""The Italian interface speaks Italian: every page of the menu, rendered in Italian and in
English, has no interface text left in English. A text node the same in both languages
that holds an English word is an untranslated string (names, codes and data are the same
in both languages too, but hold none of these words, or are allowed below)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.urls import reverse

from quartieri.core.navigation import navigation_items

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


def menu_paths() -> list[str]:
    return ["/", "/todo/"] + [reverse(item.url_name) for item in navigation_items()]


def test_no_english_is_left_on_the_italian_pages(client_for, admin_user):
    client = client_for(admin_user)
    left = {}
    for path in menu_paths():
        pages = {}
        for language in ("it", "en"):
            client.cookies["django_language"] = language
            answer = client.get(path, headers={"accept-language": language})
            assert answer.status_code == 200, path
            pages[language] = texts(answer.content.decode())
        assert pages["it"] != pages["en"], path  # the page did switch language
        if english := english_left(pages["it"], pages["en"]):
            left[path] = english
    assert left == {}
