"""Bootstrap Italia trimmed to what the mini-site templates use.

The full stylesheet is ~600 KB; a tour page may weigh 150 KB in all. A rule is kept when
one of its selectors needs only classes and elements that the templates contain; the rest
of its selector list is dropped. ``:root`` custom properties are always kept (the AGID
conformance checker reads ``--bootstrap-italia-version``), ``@font-face`` rules are dropped
(the sites declare their own self-hosted fonts) and a ``@keyframes`` survives only when a
kept rule names it. Pure text processing: no CSS library, deterministic output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_ELEMENT = re.compile(r"(?:^|[\s>+~(,])([a-zA-Z][a-zA-Z0-9]*)")
_PSEUDO_ARGS = re.compile(r":(?:not|is|where|has)\(([^()]*)\)")
_PSEUDO_ELEMENT = re.compile(r"::?[a-zA-Z-]+(\([^()]*\))?")
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
_KEYFRAMES = re.compile(r"@(?:-webkit-)?keyframes\s+([\w-]+)")


@dataclass(frozen=True)
class Used:
    classes: frozenset[str]
    elements: frozenset[str]


def _blocks(css: str) -> Iterator[tuple[str, str]]:
    """Top-level (prelude, body) pairs; a body is what stands between the outer braces."""
    i, n = 0, len(css)
    while i < n:
        start = css.find("{", i)
        if start < 0:
            return
        depth, j = 1, start + 1
        while depth and j < n:
            char = css[j]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char in "\"'":  # a string may hold braces
                j = css.index(char, j + 1)
            j += 1
        prelude = css[i:start].strip()
        # A stray ";" ends an @charset/@import statement before the rule.
        yield prelude.rsplit(";", 1)[-1].strip(), css[start + 1 : j - 1]
        i = j


def _selector_used(selector: str, used: Used) -> bool:
    plain = _PSEUDO_ARGS.sub(" ", selector)  # :not(.x) never requires .x
    plain = _ATTRIBUTE.sub("", _PSEUDO_ELEMENT.sub("", plain))
    if not set(_CLASS.findall(plain)) <= used.classes:
        return False
    elements = {e.lower() for e in _ELEMENT.findall(_CLASS.sub(" ", plain).replace("#", " #"))}
    return elements <= used.elements


def _rule(prelude: str, body: str, used: Used) -> str:
    if prelude.startswith(":root"):
        return f"{prelude}{{{body}}}"
    kept = [s for s in prelude.split(",") if _selector_used(s.strip(), used)]
    return f"{','.join(kept)}{{{body}}}" if kept else ""


def _prune(css: str, used: Used) -> list[str]:
    out: list[str] = []
    for prelude, body in _blocks(css):
        if prelude.startswith("@font-face") or prelude.startswith("@charset"):
            continue
        if _KEYFRAMES.match(prelude):
            out.append(f"{prelude}{{{body}}}")  # filtered once all rules are known
        elif prelude.startswith(("@media", "@supports", "@layer")):
            inner = "".join(_prune(body, used))
            if inner:
                out.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            continue  # @page, @-ms-viewport and the like: nothing the sites need
        else:
            out.append(_rule(prelude, body, used))
    return [rule for rule in out if rule]


def prune(css: str, used: Used) -> str:
    rules = _prune(css, used)
    text = "".join(r for r in rules if not _KEYFRAMES.match(r))
    keep = [r for r in rules if (m := _KEYFRAMES.match(r)) and m.group(1) in text]
    return text + "".join(keep)


_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")
_TOKEN = re.compile(r"[a-zA-Z][\w-]*")


def used_in(sources: Iterable[str], *, extra_classes: Iterable[str] = ()) -> Used:
    """Classes and elements named in template sources (tokens inside template expressions
    of a class attribute count too: a class added conditionally is still used)."""
    classes: set[str] = set(extra_classes)
    elements: set[str] = {"html", "body"}
    for source in sources:
        for value in _CLASS_ATTR.findall(source):
            classes.update(_TOKEN.findall(value))
        elements.update(tag.lower() for tag in _TAG.findall(source))
    return Used(frozenset(classes), frozenset(elements))
