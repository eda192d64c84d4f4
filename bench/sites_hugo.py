"""The Hugo project that builds the same mini-sites as quartieri, for the benchmark's baseline.

Hugo gets what a Hugo site of these pages would have: one data file per neighbourhood (its
texts in both languages, tours with their stops, legs and route, playlists, events, news),
the translations of the templates' English messages (the same catalogue quartieri uses),
one small content file per page naming its layout, and the layouts under ``sites_hugo/``,
ports of ``quartieri/minisites/jinja`` that write the same markup. Besides the HTML pages,
Hugo writes what quartieri writes: each tour's GPX (a partial published as a resource) and
route GeoJSON (an output format), each neighbourhood's Atom and JSON feeds (outputs of its
language-choice page), the campaign's feeds, the sitemap, robots.txt and the shared assets
(static files). Only numbers and dates are given already formatted per language (Hugo
formats them in the site's one language), as strings.

``compare`` then checks that the two builds wrote the same files with the same bytes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.utils import formats, translation
from django.utils.translation import gettext

from quartieri.minisites import assets, feeds, render
from quartieri.minisites.content import (
    EventView,
    Localised,
    NeighbourhoodView,
    Point,
    SiteContent,
    TourView,
)
from quartieri.minisites.kind import FeedEntry
from quartieri.minisites.render import Options
from quartieri.places.models import Wheelchair

LAYOUTS = Path(__file__).resolve().parent / "sites_hugo" / "layouts"
LANGS = ("it", "en")
PAGES = {  # page folder: (layout, navigation section)
    "playlist/": ("playlist", "playlist"),
    "events/": ("events", "events"),
    "poster/": ("poster", "poster"),
    "subscribe/": ("subscribe", "subscribe"),
    "privacy/": ("privacy", "privacy"),
    "accessibility/": ("accessibility", "accessibility"),
    "credits/": ("credits", "credits"),
}
# Messages the Jinja templates get from render.py rather than as _("…") literals.
CODE_MESSAGES = (
    "Home", "Playlist", "Events", "Poster", "Newsletter", "only in Italian", "only in English",
    "yes", "no", "not known: some stops or paths have no step-free information",
    "Step-free access not known.", "%(name)s: tours, music and events",
)  # fmt: skip

CONFIG = """baseURL = "{base}/"
disableKinds = ["taxonomy", "term", "RSS", "404"]
enableRobotsTXT = true
disableHugoGeneratorInject = true
[mediaTypes."application/geo+json"]
suffixes = ["geojson"]
[mediaTypes."application/feed+json"]
suffixes = ["json"]
[mediaTypes."application/atom+xml"]
suffixes = ["atom"]
[outputFormats.geojson]
mediaType = "application/geo+json"
baseName = "route"
isPlainText = true
[outputFormats.atom]
mediaType = "application/atom+xml"
baseName = "feed"
[outputFormats.jsonfeed]
mediaType = "application/feed+json"
baseName = "feed"
isPlainText = true
"""


def translations() -> dict[str, dict[str, str]]:
    sources = "".join(render.template_sources())
    messages = {m.replace('\\"', '"') for m in render._LITERAL.findall(sources)}
    messages |= set(CODE_MESSAGES)
    out: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        with translation.override(lang):
            table = {m: gettext(m) for m in sorted(messages)}
            table |= {f"wheelchair:{w.value}": str(w.label) for w in Wheelchair if w.value}
        out[lang] = table
    return out


def _loc(value: Localised) -> dict[str, str]:
    return {"it": value.it, "en": value.en}


def _per_lang(make: Any) -> dict[str, str]:
    out = {}
    for lang in LANGS:
        with translation.override(lang):
            out[lang] = make()
    return out


def _point(p: Point) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": p.kind, "number": p.number, "name": _loc(p.name), "text": _loc(p.text),
        "address": p.address, "wheelchair": p.wheelchair, "minutes": p.minutes,
        "outside": p.outside, "lines": p.lines, "lon": p.lon, "lat": p.lat,
    }  # fmt: skip
    if p.leg_m is not None:
        data |= {"leg_m": p.leg_m, "leg_minutes": p.leg_minutes}
    return data


def _tour(t: TourView) -> dict[str, Any]:
    step_free = {None: "", True: "yes", False: "no"}[t.step_free]
    return {
        "slug": t.slug, "title": _loc(t.title), "description": _loc(t.description),
        "km": _per_lang(lambda: formats.number_format(t.distance_m / 1000, 1)),
        "distance_m": t.distance_m, "walking_minutes": t.walking_minutes,
        "total_minutes": t.total_minutes, "step_free": step_free, "method": t.method,
        "detour_factor": t.detour_factor, "speed_kmh": t.speed_kmh, "map": t.map.elements,
        "attributions": list(t.attributions), "method_label": t.method_label,
        "start": _point(t.start) if t.start else None, "end": _point(t.end) if t.end else None,
        "points": [_point(p) for p in t.points], "path": [list(c) for c in t.path],
    }  # fmt: skip


def _event(e: EventView) -> dict[str, Any]:
    return {
        "title": _loc(e.title), "description": _loc(e.description),
        "when": _per_lang(lambda: render.when(e)),
        "time": e.start_time.strftime("%H:%M") if e.start_time else "", "place": _loc(e.place),
        "address": e.address, "capacity": e.capacity, "note": _loc(e.note),
    }  # fmt: skip


def _entries(entries: Iterable[FeedEntry]) -> list[dict[str, Any]]:
    return [
        {
            "i": i,
            "id": e.variant_id,
            "title": e.title,
            "text": e.text,
            "link": e.link,
            "language": e.language,
            "published": feeds._iso(e.published_at),
            "updated": feeds._iso(e.updated_at),
            "day": _per_lang(lambda e=e: formats.date_format(e.published_at, "j F Y")),
        }  # fmt: skip
        for i, e in enumerate(entries)
    ]


def _site(n: NeighbourhoodView) -> dict[str, Any]:
    return {
        "slug": n.slug, "city": n.city, "name": _loc(n.name), "description": _loc(n.description),
        "map": n.map.elements, "attributions": list(n.attributions),
        "tours": [_tour(t) for t in n.tours], "events": [_event(e) for e in n.events],
        "playlists": [
            {
                "slug": p.slug, "title": p.title, "description": p.description,
                "curator": p.curator, "spotify_url": p.spotify_url,
                "tracks": [
                    {"title": tr.title, "artist": tr.artist,
                     "duration_seconds": tr.duration_seconds,
                     "links": [list(link) for link in tr.links], "note": tr.note}
                    for tr in p.tracks
                ],
            }
            for p in n.playlists
        ],
        "entries": _entries(n.entries), "posters": {},
    }  # fmt: skip


def _params(site: SiteContent, options: Options) -> dict[str, Any]:
    public, tiles = urlsplit(options.public_url), urlsplit(options.tile_url.replace("{s}", "a"))
    context = render.NeighbourhoodPages(
        site=site, n=site.neighbourhoods[0], lang="it", options=options, images={}, poster=""
    ).common  # the same Content-Security-Policy
    return {
        "base": options.base_url, "csp": context["csp"], "css": options.css,
        "campaign": site.campaign_name, "tile_url": options.tile_url,
        "tile_attribution": options.tile_attribution, "tile_host": tiles.netloc,
        "public_host": public.netloc, "host": feeds.host_of(options.base_url),
        "beacon": f"{options.public_url}/a/pv" if options.beacon else "",
        "subscribe_url": f"{options.public_url}/newsletter/subscribe/",
        "newsletter_list": options.newsletter_list, "statement_url": options.statement_url,
        "contact_email": options.contact_email, "noindex": options.unreleased,
        "languages": [{"code": c, "name": name} for c, name in render.LANGUAGES],
    }  # fmt: skip


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False))


def _content(folder: Path, n: NeighbourhoodView) -> int:
    """One content file per page (JSON front matter): which site, language and layout."""
    no_sitemap = {"sitemap": {"disable": True}}
    _write(folder / n.slug / "_index.md", {"layout": "chooser", "site": n.slug,
           "outputs": ["html", "atom", "jsonfeed"]})  # fmt: skip
    count = 1
    for lang in LANGS:
        here = {"site": n.slug, "lang": lang}
        _write(folder / n.slug / lang / "_index.md",
               {**here, "rel": "", "layout": "site-home", "section": "home"})  # fmt: skip
        for i, t in enumerate(n.tours):
            rel = f"tours/{t.slug}/"
            _write(folder / n.slug / lang / rel / "index.md",
                   {**here, "rel": rel, "layout": "tour", "section": "tours", "tour": i,
                    "outputs": ["html", "geojson"]})  # fmt: skip
        for rel, (layout, section) in PAGES.items():
            _write(folder / n.slug / lang / rel / "index.md",
                   {**here, "rel": rel, "layout": layout, "section": section})  # fmt: skip
        _write(folder / n.slug / lang / "widget/index.md",
               {**here, "rel": "widget/", "layout": "widget", **no_sitemap})  # fmt: skip
        count += 2 + len(n.tours) + len(PAGES)
    return count


def hugo_project(
    folder: Path, *, site: SiteContent, options: Options, consent: dict[str, Any]
) -> int:
    """Write the Hugo project for these sites into ``folder``; the number of content files."""
    shutil.copytree(LAYOUTS, folder / "layouts")
    config = CONFIG.format(base=options.base_url)
    config += "[params]\n" + "".join(
        f"{key} = {json.dumps(value, ensure_ascii=False)}\n"
        for key, value in _params(site, options).items()
        if not isinstance(value, list)
    )
    config += "".join(f'[[params.languages]]\ncode = "{c}"\nname = "{name}"\n'
                      for c, name in render.LANGUAGES)  # fmt: skip
    _write(folder / "hugo.toml", config)
    for page in assets.shared_pages():
        (folder / "static" / page.path).parent.mkdir(parents=True, exist_ok=True)
        (folder / "static" / page.path).write_bytes(page.data)
    _write(folder / "data/t.json", translations())
    _write(folder / "data/consent.json", consent)
    _write(folder / "data/campaign.json", {
        "slug": site.campaign_slug, "start": feeds._iso(feeds._updated([], site.campaign_start)),
        "sites": [n.slug for n in site.neighbourhoods], "entries": _entries(site.entries),
    })  # fmt: skip
    content = folder / "content"
    _write(content / "_index.md", {"sitemap": {"disable": True}})
    _write(content / "feeds/_index.md", {"build": {"render": "never", "list": "never"}})
    for stem, output in (("atom", "atom"), ("json", "jsonfeed")):
        _write(content / f"feeds/{stem}.md", {
            "layout": "campaign-feed", "outputs": [output], "sitemap": {"disable": True},
            "url": f"/feeds/{site.campaign_slug}.{stem}",
        })  # fmt: skip
    count = 3
    for n in site.neighbourhoods:
        _write(folder / "data/sites" / f"{n.slug}.json", _site(n))
        count += _content(content, n)
    return count


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def compare(ours: Path, hugo: Path) -> dict[str, Any]:
    """Which files both builds wrote, and how many have the same bytes."""
    mine, theirs = files_of(ours), files_of(hugo)
    mine.pop("manifest.json", None)  # quartieri's record of the build, for incremental builds
    both = sorted(set(mine) & set(theirs))
    differ = [p for p in both if mine[p] != theirs[p]]
    return {
        "files": (len(mine), len(theirs)), "bytes": (sum(map(len, mine.values())),
                                                     sum(map(len, theirs.values()))),
        "only_ours": sorted(set(mine) - set(theirs)), "only_hugo": sorted(set(theirs) - set(mine)),
        "identical": len(both) - len(differ), "differ": differ,
    }  # fmt: skip
