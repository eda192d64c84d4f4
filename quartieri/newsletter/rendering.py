"""From the day's content to an issue: MJML per language, then responsive HTML and text.

The MJML is what staff edit (the web editor); the HTML (mjml-python) and the plain-text
part are derived from it on every save, so the three never disagree. Per-recipient parts
stay placeholders here (``PLACEHOLDERS``) and are filled in per message (message.py).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from mjml import mjml2html

from quartieri.analytics.links import LinkError, link_for
from quartieri.channels.registry import Platform
from quartieri.newsletter.content import DayItem
from quartieri.newsletter.models import NewsletterList

NAME = "%%NAME%%"
UNSUBSCRIBE_URL = "%%UNSUBSCRIBE_URL%%"
PREFERENCES_URL = "%%PREFERENCES_URL%%"
PLACEHOLDERS = (NAME, UNSUBSCRIBE_URL, PREFERENCES_URL)
# Each block of the day's content is marked in the MJML, so that a variant scheduled or
# withdrawn later joins or leaves an issue already composed (delivery.py); the marks are
# taken out of the HTML that goes to people.
ITEMS_END = "<!-- quartieri:items-end -->"
_MARKS = re.compile(r"<!-- /?quartieri:[^>]*-->")


def _block_marks(variant_id: int) -> tuple[str, str]:
    return (
        f"<!-- quartieri:item variant={variant_id} -->",
        f"<!-- /quartieri:item variant={variant_id} -->",
    )


def _item_link(item: DayItem, *, newsletter_list: NewsletterList, language: str) -> str:
    """The block's "Read more": a tracked link (contract 3), the same for every recipient,
    so clicks are counted in aggregate only. A target the platform may not redirect to is
    refused here, naming the item, rather than sent untracked."""
    target = item.link or (f"/q/{item.neighbourhood}/{language}/" if item.neighbourhood else "")
    if not target:
        return ""
    try:
        return link_for(
            target=target,
            channel=Platform.NEWSLETTER,
            neighbourhood=item.neighbourhood or None,
            campaign=item.campaign,
            placement=newsletter_list.slug,
        )
    except LinkError as error:
        raise ValidationError(
            _("“%(item)s”: its link cannot be tracked: %(error)s.")
            % {"item": item.title, "error": error}
        ) from None


def issue_block(*, item: DayItem, newsletter_list: NewsletterList, language: str) -> str:
    """The MJML of one item of the day, between its marks."""
    # Outside the issue's language: a refusal speaks the language of whoever composes.
    link = _item_link(item, newsletter_list=newsletter_list, language=language)
    with translation.override(language):
        return render_to_string(
            "newsletter/issue_block_mjml.html",
            {
                "variant_id": item.variant_id,
                "title": item.title,
                "text": item.text_it if language == "it" else item.text_en,
                "link": link,
            },
        ).strip()


def mjml_with_block(source: str, *, block: str) -> str | None:
    """``source`` with ``block`` added after the day's other items; None when the issue's
    text has lost the mark that says where (edited by hand)."""
    if ITEMS_END not in source:
        return None
    return source.replace(ITEMS_END, block + "\n    " + ITEMS_END, 1)


def mjml_without_block(source: str, *, variant_id: int) -> str | None:
    """``source`` without the variant's block; None when its marks are not there."""
    start, end = _block_marks(variant_id)
    first = source.find(start)
    last = source.find(end, first)
    if first < 0 or last < 0:
        return None
    return source[:first].rstrip(" ") + source[last + len(end) :].lstrip("\n")


def issue_subject(*, newsletter_list: NewsletterList, date: dt.date, language: str) -> str:
    with translation.override(language):
        return _("%(list)s · %(date)s") % {
            "list": newsletter_list.name,
            "date": formats.date_format(date, "j F Y"),
        }


def issue_mjml(
    *, newsletter_list: NewsletterList, date: dt.date, items: list[DayItem], language: str
) -> str:
    blocks = [
        issue_block(item=item, newsletter_list=newsletter_list, language=language) for item in items
    ]
    with translation.override(language):
        return render_to_string(
            "newsletter/issue_mjml.html",
            {
                "list": newsletter_list,
                "date": date,
                "blocks": blocks,
                "language": language,
                "name": NAME,
                "unsubscribe_url": UNSUBSCRIBE_URL,
                "preferences_url": PREFERENCES_URL,
            },
        )


def mjml_render(source: str) -> str:
    """Responsive HTML from MJML; a ValidationError naming the problem if it is not MJML."""
    if "<mjml" not in source or "<mj-body" not in source:
        raise ValidationError(_("This is not MJML: it needs <mjml> and <mj-body>."))
    try:
        html = mjml2html(source)
    except Exception as error:  # noqa: BLE001 (the compiler's own errors vary by input)
        raise ValidationError(
            _("The MJML does not compile: %(error)s") % {"error": error}
        ) from None
    html = _MARKS.sub("", html)
    missing = [p for p in (UNSUBSCRIBE_URL, PREFERENCES_URL) if p not in html]
    if missing:
        raise ValidationError(
            _("Every issue needs its unsubscribe and preferences links: %(missing)s is missing.")
            % {"missing": ", ".join(missing)}
        )
    return html


class _Text(HTMLParser):
    """Plain text from the HTML: block elements end lines, links show their address."""

    _BLOCKS = frozenset({"p", "div", "br", "tr", "h1", "h2", "h3", "li", "table", "section"})
    _SKIP = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")
        elif tag == "a":
            self.href.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCKS:
            self.out.append("\n")
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href and not href.startswith("#"):
                self.out.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            # Runs of white space become one space; the lines are tidied in text().
            self.out.append(" ".join(data.split()).join(" " * 2) if data.strip() else " ")

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self.out).splitlines()]
        paragraphs: list[str] = []
        for line in lines:
            if line or (paragraphs and paragraphs[-1]):
                paragraphs.append(line)
        return "\n".join(paragraphs).strip() + "\n"


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.text()
