"""Rendering the pages of one neighbourhood's site with Jinja2 (autoescape on).

Jinja2 rather than Django templates: the toolbox measured ≈ 3,600 against ≈ 720 tour pages
a second on this hardware, and a build renders thousands. Texts go through Django's
gettext (``_`` in the templates), so the apps' catalogues translate them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext, ngettext
from markupsafe import Markup, escape

from quartieri.minisites.content import (
    EventView,
    Localised,
    NeighbourhoodView,
    SiteContent,
    TourView,
)
from quartieri.places.models import Theme, Wheelchair

LANGUAGES = (("it", "Italiano"), ("en", "English"))
NAV_SECTIONS = ("home", "playlist", "events", "poster", "subscribe")
TEMPLATES = Path(__file__).resolve().parent / "jinja"
_SPOTIFY_PLAYLIST = re.compile(r"^https://open\.spotify\.com/(?:intl-[a-z]{2}/)?playlist/(\w+)")


@dataclass(frozen=True)
class Page:
    path: str  # relative to the build folder, "/"-separated
    data: bytes


@dataclass(frozen=True)
class Options:
    base_url: str  # absolute address of the build folder, no trailing slash
    public_url: str  # the platform: newsletter form, page-view beacon
    tile_url: str
    tile_attribution: str
    beacon: bool
    unreleased: bool  # a staging build: pages ask search engines not to index them
    css: str  # stylesheet name under assets/ (its content hash is in the name)
    statement_url: str = ""
    contact_email: str = ""
    newsletter_list: str = "daily"


def _other(lang: str) -> str:
    return "en" if lang == "it" else "it"


@functools.cache
def _fallback_note(language: str, other: str) -> str:
    return gettext("only in Italian") if other == "it" else gettext("only in English")


def loc(value: Localised, lang: str) -> Markup:
    """The text in ``lang``; else the other language's, marked as such (visible fallback)."""
    text = value.it if lang == "it" else value.en
    if text:
        return escape(text)
    other = _other(lang)
    fallback = value.it if other == "it" else value.en
    if not fallback:
        return Markup("")
    note = _fallback_note(lang, other)
    return Markup('<span lang="{0}">{1}</span> <span class="site-fallback">({2})</span>').format(
        other, fallback, note
    )


def plain(value: Localised, lang: str) -> str:
    """The same choice as ``loc`` without markup, for titles and attributes."""
    text = value.it if lang == "it" else value.en
    return text or (value.en if lang == "it" else value.it)


def when(event: EventView) -> str:
    return _when(translation.get_language(), event.precision, event.first_day, event.last_day)


@functools.cache
def _when(language: str, precision: str, first_day: dt.date, last_day: dt.date | None) -> str:
    # Cached: Django's date formatting is slow, and events repeat their dates across sites.
    if precision == "month":
        return formats.date_format(first_day, "F Y")
    first = formats.date_format(first_day, "j F Y")
    if last_day and last_day != first_day:
        return f"{first} – {formats.date_format(last_day, 'j F Y')}"
    return first


# The helpers below are cached per language: each page calls them many times, and they
# are only ever called inside translation.override(language).
@functools.cache
def _step_free(language: str, value: bool | None) -> str:
    if value is None:
        return gettext("not known: some stops or paths have no step-free information")
    return gettext("yes") if value else gettext("no")


@functools.cache
def _wheelchair(language: str, value: str) -> str:
    if not value:
        return gettext("Step-free access not known.")
    return f"{Wheelchair(value).label}."


@functools.cache
def _theme(language: str, value: str) -> str:
    return str(Theme(value).label)


def _duration(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


# The video id in the YouTube links playlists accept (places.links): watch?v=, youtu.be/.
_YOUTUBE = re.compile(
    r"^https://(?:(?:www|m|music)\.)?(?:youtube\.com/watch\?(?:.*&)?v=|youtu\.be/)([\w-]{11})"
)


def _youtube_embed(url: str) -> str:
    """The privacy-enhanced player's address (no cookie until the video is played)."""
    match = _YOUTUBE.match(url)
    return f"https://www.youtube-nocookie.com/embed/{match.group(1)}" if match else ""


def _spotify_embed(url: str) -> str:
    match = _SPOTIFY_PLAYLIST.match(url)
    return f"https://open.spotify.com/embed/playlist/{match.group(1)}" if match else ""


# A translated literal in a template: _("…"), as Django's makemessages extracts it.
_LITERAL = re.compile(r'_\("((?:[^"\\]|\\.)*)"\)')


class _TranslatedLoader(jinja2.FileSystemLoader):
    """Templates with each _("literal") replaced by its translation before compiling, one
    compiled set per language: a page then carries its fixed texts as constants instead of
    calling gettext some twenty times per render."""

    def __init__(self, language: str) -> None:
        super().__init__(TEMPLATES)
        self.language = language

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        with translation.override(self.language):
            baked = _LITERAL.sub(lambda m: _literal(gettext(m.group(1))), source)
        return baked, filename, uptodate


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.cache
def _catalogue(language: str) -> dict[str, str]:
    return {}


def gettext_for(language: str) -> Any:
    """Django's gettext remembered for one language: a build asks the same few hundred
    messages thousands of times (given to each page's context as ``gettext``, which the
    templates' ``_`` calls; always used inside translation.override(language))."""
    found = _catalogue(language)

    def cached(message: str) -> str:
        text = found.get(message)
        if text is None:
            text = found[message] = gettext(message)
        return text

    return cached


def _bytecode_cache(language: str) -> jinja2.BytecodeCache | None:
    folder = Path(settings.DATA_DIR) / "cache" / "jinja" / language
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only data folder: compile in memory every run
    return jinja2.FileSystemBytecodeCache(str(folder))


@functools.cache
def environment(language: str = "en") -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_TranslatedLoader(language),
        # Compiled templates kept between runs (one folder per language: the sources differ).
        bytecode_cache=_bytecode_cache(language),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        # A build asks for a template thousands of times: no file check each time (the
        # templates of a running process do not change; the build digest is cached too).
        auto_reload=False,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals.update(
        when=when,
        step_free=functools.partial(_step_free, language),
        wheelchair=functools.partial(_wheelchair, language),
        duration=_duration,
        spotify_embed=_spotify_embed,
        youtube_embed=_youtube_embed,
        km=lambda metres: formats.number_format(metres / 1000, 1),
        day=lambda moment: formats.date_format(moment, "j F Y"),
        theme=functools.partial(_theme, language),
    )
    return env


def template_sources() -> list[str]:
    return [path.read_text() for path in sorted(TEMPLATES.rglob("*")) if path.is_file()]


class NeighbourhoodPages:
    """The pages of one neighbourhood in one language."""

    def __init__(
        self,
        *,
        site: SiteContent,
        n: NeighbourhoodView,
        lang: str,
        options: Options,
        images: dict[str, list[tuple[int, str]]],
        poster: str,
    ) -> None:
        self.site, self.n, self.lang, self.options = site, n, lang, options
        self.images, self.poster = images, poster
        self.home_url = f"{options.base_url}/{n.slug}/{lang}/"
        self.common = self._common()
        self.chrome: dict[tuple[str, str, str], Markup] = {}

    def _common(self) -> dict[str, Any]:
        o, n, lang = self.options, self.n, self.lang
        public = urlsplit(o.public_url)
        tiles = urlsplit(o.tile_url.replace("{s}", "a"))
        tile_origin = f"{tiles.scheme}://{tiles.netloc}"
        public_origin = f"{public.scheme}://{public.netloc}"
        name = plain(n.name, lang)
        return {
            "lang": lang,
            "slug": n.slug,
            "n": n,
            "site_name": name,
            "campaign_name": self.site.campaign_name,
            "city": n.city,
            "css": o.css,
            "noindex": o.unreleased,
            "images": self.images,
            "tile_url": o.tile_url,
            "tile_host": tiles.netloc,
            "tile_attribution": o.tile_attribution,
            "public_host": public.netloc,
            "beacon": f"{o.public_url}/a/pv" if o.beacon else "",
            "beacon_host": public.netloc,
            "statement_url": o.statement_url,
            "contact_email": o.contact_email,
            "credit_line": " · ".join(n.attributions),
            "gettext": gettext_for(lang),
            "loc": lambda value: loc(value, lang),
            "plain": lambda value: plain(value, lang),
            "csp": "; ".join(
                [
                    "default-src 'self'",
                    f"img-src 'self' data: {tile_origin}",
                    "script-src 'self'",
                    "style-src 'self'",
                    "font-src 'self'",
                    f"connect-src 'self' {public_origin}",
                    "frame-src https://open.spotify.com https://www.youtube-nocookie.com",
                    f"form-action {public_origin}",
                    "base-uri 'self'",
                    "object-src 'none'",
                ]
            ),
            "og_image": "",
            "og_image_alt": "",
            "description": self._description(name),
        }

    def _description(self, name: str) -> str:
        text = plain(self.n.description, self.lang)
        return text[:200] or gettext("%(name)s: tours, music and events") % {"name": name}

    def _page(self, rel: str, template: str, section: str, **extra: Any) -> Page:
        """Render ``template`` to ``<slug>/<lang>/<rel>index.html``."""
        depth = rel.count("/")
        here = "../" * depth
        root = "../" * (depth + 2)
        lang, n = self.lang, self.n
        context = {
            **self.common,
            "root": root,
            "here": here,
            "home": here or "./",
            "section": section,
            "url": f"{self.home_url}{rel}",
            "alternates": [
                *[(c, f"{self.options.base_url}/{n.slug}/{c}/{rel}") for c, _ in LANGUAGES],
                ("x-default", f"{self.options.base_url}/{n.slug}/it/{rel}"),
            ],
            "languages": [(c, name, f"{root}{n.slug}/{c}/{rel}") for c, name in LANGUAGES],
            "sections": self._sections(here),
            **extra,
        }
        context["nav"], context["footer"] = self._chrome(context)
        html = environment(lang).get_template(f"minisites/{template}").render(context)
        return Page(f"{n.slug}/{lang}/{rel}index.html", html.encode())

    def _sections(self, here: str) -> list[tuple[str, str, str]]:
        t = self.common["gettext"]
        return [
            ("home", t("Home"), here or "./"),
            ("playlist", t("Playlist"), f"{here}playlist/"),
            ("events", t("Events"), f"{here}events/"),
            ("poster", t("Poster"), f"{here}poster/"),
            ("subscribe", t("Newsletter"), f"{here}subscribe/"),
        ]

    def _chrome(self, context: dict[str, Any]) -> tuple[Markup, Markup]:
        """The navigation (once per depth and highlighted section) and the footer (once per
        depth) of this site and language."""
        here, section = context["here"], context["section"]
        active = section if section in NAV_SECTIONS else ""
        env = environment(self.lang)
        nav = self.chrome.get(("nav", here, active))
        if nav is None:
            # Autoescaped template output: already safe HTML.
            html = env.get_template("minisites/_nav.html").render({**context, "section": active})
            nav = self.chrome[("nav", here, active)] = Markup(html)  # noqa: S704
        footer = self.chrome.get(("footer", here, ""))
        if footer is None:
            html = env.get_template("minisites/_footer.html").render(context)
            footer = self.chrome[("footer", here, "")] = Markup(html)  # noqa: S704
        return nav, footer

    def _geojson(self, tour: TourView) -> bytes:
        """An RFC 7946 FeatureCollection: the points, and the walking path as a LineString."""
        lang = self.lang
        features: list[dict[str, Any]] = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "name": plain(p.name, lang),
                    "kind": p.kind,
                    "position": i,
                    "description": plain(p.text, lang),
                },
            }
            for i, p in enumerate(tour.points)
        ]
        title = plain(tour.title, lang)
        if len(tour.path) >= 2:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": tour.path},
                    "properties": {
                        "name": title,
                        "distance_m": tour.distance_m,
                        "walking_minutes": tour.walking_minutes,
                        "distance_method": tour.method_label,
                    },
                }
            )
        data = {
            "type": "FeatureCollection",
            "name": title,
            "attribution": "; ".join(tour.attributions),
            "features": features,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()

    def pages(self, *, consent: dict[str, str] | None) -> Iterator[Page]:
        n, lang = self.n, self.lang
        first = n.photos[0] if n.photos else None
        og = {}
        if first is not None and first.name in self.images:
            og = {
                "og_image": f"{self.options.base_url}/{self.images[first.name][-1][1]}",
                "og_image_alt": first.alt,
            }
        yield self._page("", "home.html", "home", **og)
        for tour in n.tours:
            rel = f"tours/{tour.slug}/"
            yield self._page(rel, "tour.html", "tours", t=tour)
            base = f"{n.slug}/{lang}/{rel}"
            gpx = environment(lang).get_template("minisites/route.gpx")
            data = gpx.render({**self.common, "t": tour, "url": f"{self.home_url}{rel}"})
            yield Page(f"{base}{tour.slug}.gpx", data.encode())
            yield Page(f"{base}route.geojson", self._geojson(tour))
        yield self._page("playlist/", "playlist.html", "playlist")
        yield self._page("events/", "events.html", "events")
        yield self._page("poster/", "poster.html", "poster", poster=self.poster)
        yield self._page(
            "subscribe/",
            "subscribe.html",
            "subscribe",
            consent=consent,
            subscribe_url=f"{self.options.public_url}/newsletter/subscribe/",
            newsletter_list=self.options.newsletter_list,
        )
        yield self._page("privacy/", "privacy.html", "privacy")
        yield self._page("accessibility/", "accessibility.html", "accessibility")
        yield self._page("credits/", "credits.html", "credits")
        widget = environment(self.lang).get_template("minisites/widget.html")
        html = widget.render({**self.common, "root": "../../../", "url_home": self.home_url})
        yield Page(f"{n.slug}/{lang}/widget/index.html", html.encode())


def neighbourhood_pages(
    *,
    site: SiteContent,
    n: NeighbourhoodView,
    options: Options,
    images: dict[str, list[tuple[int, str]]],
    posters: dict[str, str],
    consent: dict[str, dict[str, str] | None],
) -> Iterator[Page]:
    """Every page of a neighbourhood in both languages, plus its language chooser."""
    for lang, _name in LANGUAGES:
        with translation.override(lang):
            pages = NeighbourhoodPages(
                site=site,
                n=n,
                lang=lang,
                options=options,
                images=images,
                poster=posters.get(lang, ""),
            )
            yield from pages.pages(consent=consent.get(lang))
    chooser = environment().get_template("minisites/chooser.html")
    html = chooser.render(
        root="../",
        css=options.css,
        names=n.name,
        alternates=[(c, f"{options.base_url}/{n.slug}/{c}/") for c, _ in LANGUAGES],
    )
    yield Page(f"{n.slug}/index.html", html.encode())


def index_page(*, site: SiteContent, options: Options) -> Page:
    html = (
        environment()
        .get_template("minisites/index.html")
        .render(campaign_name=site.campaign_name, css=options.css, sites=site.all_names)
    )
    return Page("index.html", html.encode())
