"""Drawing a preview's text: hashtags, mentions and links marked as the platforms mark them."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from quartieri.channels.preview import Segment, SegmentKind

register = template.Library()

_MARKED = {
    SegmentKind.HASHTAG: "pv-tag",
    SegmentKind.MENTION: "pv-tag",
    SegmentKind.LINK: "pv-link",
}


@register.filter
def segments_html(segments: Iterable[Segment]) -> SafeString:
    """The segments as HTML: every piece of text escaped, marked ones in a span."""
    parts: list[str] = []
    for segment in segments:
        if segment.kind == SegmentKind.BREAK:
            parts.append("<br>")
        elif segment.kind in _MARKED:
            parts.append(
                format_html('<span class="{}">{}</span>', _MARKED[segment.kind], segment.text)
            )
        else:
            parts.append(conditional_escape(segment.text))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped or fixed markup
