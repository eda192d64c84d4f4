"""Building the mini-sites: what is written, what is left out, and what a rebuild touches."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from quartieri.campaigns.models import Campaign, ContentItem, Variant
from quartieri.channels.registry import Platform
from quartieri.minisites.build import site_build
from quartieri.minisites.content import site_content
from quartieri.minisites.models import SiteBuild
from quartieri.places import selectors
from quartieri.places import services as places
from quartieri.places.models import Neighbourhood, PointOfInterest, Tour, TourStop
from tests.minisites.conftest import approved, posters_printed
from tests.minisites.pages import broken_links, html_pages, images_without_alt, parse_errors

pytestmark = pytest.mark.django_db
HOME = "testa-1-ovest/{lang}/index.html"
TOUR = "testa-1-ovest/{lang}/tours/{slug}/index.html"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "site"


def build(campaign: Campaign, out: Path, **kw: Any) -> Any:
    return site_build(campaign=campaign, out_dir=out, base_url="https://siti.example.org/q", **kw)


def read(out: Path, path: str) -> str:
    return (out / path).read_text()


def test_it_writes_only_released_sites_and_records_the_build(campaign, out):
    posters_printed()
    result = build(campaign, out)
    assert result.released == {
        "testa-1-ovest": Variant.objects.get(account__platform=Platform.WEBSITE).pk
    }
    assert result.left_out == ["testa-2-est"]
    assert not (out / "testa-2-est").exists()
    for lang in ("it", "en"):
        for page in ("", "tours/giro-di-prova/", "playlist/", "events/", "poster/", "subscribe/",
                     "privacy/", "accessibility/", "credits/", "widget/"):  # fmt: skip
            assert (out / f"testa-1-ovest/{lang}/{page}index.html").is_file(), (lang, page)
        assert (out / f"testa-1-ovest/{lang}/poster/poster.pdf").read_bytes().startswith(b"%PDF")
    row = SiteBuild.objects.get()
    assert row.released == {"testa-1-ovest": result.released["testa-1-ovest"]}
    assert row.pages_written == result.pages_written > 50
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
    } - {"manifest.json"}


def test_a_draft_or_future_website_post_releases_nothing_and_feeds_nothing(campaign, out):
    Variant.objects.filter(account__platform=Platform.WEBSITE).update(
        scheduled_at=timezone.now() + dt.timedelta(days=1)
    )
    item = ContentItem.objects.get(title="Ovest")
    draft = approved(item, Platform.WEBSITE, at=None, caption="bozza")
    Variant.objects.filter(pk=draft.pk).update(status=Variant.Status.DRAFT)
    result = build(campaign, out)
    assert result.released == {}
    assert not (out / "testa-1-ovest").exists()
    feed = json.loads(read(out, "feeds/prova-2021.json"))
    assert feed["items"] == []


def test_unreleased_builds_every_site_and_asks_not_to_be_indexed(campaign, out):
    result = build(campaign, out, unreleased=True)
    assert result.left_out == []
    assert '<meta name="robots" content="noindex">' in read(out, "testa-2-est/it/index.html")
    assert read(out, "robots.txt") == "User-agent: *\nDisallow: /\n"


def test_same_input_same_bytes(campaign, out):
    now = timezone.now()
    build(campaign, out / "a", now=now)
    build(campaign, out / "b", now=now)
    files_a = sorted(p.relative_to(out / "a") for p in (out / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(out / "b") for p in (out / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (out / "a" / rel).read_bytes() == (out / "b" / rel).read_bytes(), rel


def _mtimes(out: Path) -> dict[str, int]:
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
    }


def test_rebuild_rewrites_only_the_pages_a_change_affects(campaign, tour_slug, out):
    build(campaign, out)
    before = _mtimes(out)
    again = build(campaign, out)
    assert (again.pages_written, again.pages_removed) == (0, 0)
    assert again.pages_unchanged == len(before) - 1  # each file counted once; not the manifest
    assert _mtimes(out) == {**before, "manifest.json": before["manifest.json"]}

    stop = TourStop.objects.get(poi__name_it="Chiesa")
    places.tour_stop_update(
        actor=None, stop=stop, text_it="Testo nuovo", text_en="New text", minutes=10
    )
    changed = build(campaign, out)
    after = _mtimes(out)
    rewritten = {path for path in after if after[path] != before.get(path)} - {"manifest.json"}
    assert rewritten == {TOUR.format(lang="it", slug=tour_slug), TOUR.format(lang="en", slug=tour_slug),
                         f"testa-1-ovest/it/tours/{tour_slug}/route.geojson",
                         f"testa-1-ovest/en/tours/{tour_slug}/route.geojson",
                         f"testa-1-ovest/it/tours/{tour_slug}/{tour_slug}.gpx",
                         f"testa-1-ovest/en/tours/{tour_slug}/{tour_slug}.gpx"}  # fmt: skip
    assert changed.pages_written == len(rewritten)
    assert changed.pages_written + changed.pages_unchanged == len(after) - 1
    assert "Testo nuovo" in read(out, TOUR.format(lang="it", slug=tour_slug))


def test_a_deleted_tour_loses_its_files_and_nothing_else(campaign, tour_slug, out):
    out.mkdir()
    (out / "notes.txt").write_text("not ours")
    build(campaign, out)
    TourStop.objects.all().delete()
    Tour.objects.filter(slug=tour_slug).delete()
    result = build(campaign, out)
    assert result.pages_removed == 6  # page, GPX and route data, in two languages
    assert not (out / f"testa-1-ovest/it/tours/{tour_slug}").exists() or not any(
        (out / f"testa-1-ovest/it/tours/{tour_slug}").iterdir()
    )
    assert (out / "notes.txt").read_text() == "not ours"
    assert broken_links(out) == []


def test_reading_the_content_takes_the_same_queries_for_more_tours(
    campaign, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(12) as first:
        site_content(campaign=campaign)
    ovest = Neighbourhood.objects.get(slug="testa-1-ovest")
    for i in range(3):
        tour = places.tour_create(
            actor=None, neighbourhood=ovest, title_it=f"Altro {i}", theme="nature"
        )
        for poi in PointOfInterest.objects.filter(name_it__in=["Torre", "Mulino"]):
            places.tour_stop_add(actor=None, tour=tour, poi=poi, minutes=5)
    with django_assert_num_queries(len(first.captured_queries)):
        site_content(campaign=campaign)


def test_a_live_build_plans_no_tour_of_a_site_it_does_not_write(campaign, out, monkeypatch):
    est = Neighbourhood.objects.get(slug="testa-2-est")
    places.tour_create(actor=None, neighbourhood=est, title_it="Giro di Est", theme="nature")
    planned: list[str] = []
    original = selectors.tour_plan
    monkeypatch.setattr(
        selectors, "tour_plan", lambda **kw: planned.append(kw["tour"].title_it) or original(**kw)
    )
    result = build(campaign, out)
    assert result.left_out == ["testa-2-est"]
    assert planned == ["Giro di prova"]  # Est's site is not live: its tour is not planned
    planned.clear()
    build(campaign, out.with_name("preview"), unreleased=True)
    assert sorted(planned) == ["Giro di Est", "Giro di prova"]


def test_a_released_poster_that_cannot_be_rendered_is_left_off_its_site_until_it_can(
    campaign, out, settings
):
    posters_printed()
    settings.ANALYTICS_SITE_ORIGINS = []  # its QR code's link to this address: refused now
    result = build(campaign, out)
    assert result.posters_missing == ["testa-1-ovest"]
    assert result.as_json()["posters_missing"] == ["testa-1-ovest"]
    assert (out / "testa-1-ovest/it/index.html").is_file()  # the rest of the site is there
    assert not list(out.rglob("*.pdf"))
    assert not [p for p in out.rglob("*.html") if "poster.pdf" in p.read_text()]
    manifest = json.loads((out / "manifest.json").read_text())
    assert "testa-1-ovest" not in manifest["inputs"]  # so the next build renders it again
    settings.ANALYTICS_SITE_ORIGINS = ["https://siti.example.org"]
    result = build(campaign, out)
    assert result.posters_missing == []
    assert (out / "testa-1-ovest/en/poster/poster.pdf").read_bytes().startswith(b"%PDF")
    assert 'href="poster.pdf"' in read(out, "testa-1-ovest/en/poster/index.html")


def test_pages_are_valid_html_with_resolving_links_and_alt_text(campaign, out):
    build(campaign, out, unreleased=True)
    pages = html_pages(out)
    assert len(pages) > 40
    assert [e for page in pages for e in parse_errors(page)] == []
    assert broken_links(out) == []
    assert images_without_alt(out) == []


def test_pages_say_their_language_link_the_other_and_mark_a_fallback(campaign, tour_slug, out):
    build(campaign, out)
    en = read(out, TOUR.format(lang="en", slug=tour_slug))
    assert '<html lang="en">' in en
    assert (
        f'hreflang="it" href="https://siti.example.org/q/testa-1-ovest/it/tours/{tour_slug}/"' in en
    )
    assert (
        f'<a class="text-white" href="../../../../testa-1-ovest/it/tours/{tour_slug}/" hreflang="it" lang="it">Italiano</a>'
        in en
    )
    # Mulino has no English text: the Italian one is shown, marked as such.
    assert (
        '<span lang="it">Testo Mulino</span> <span class="site-fallback">(only in Italian)</span>'
        in en
    )
    it = read(out, TOUR.format(lang="it", slug=tour_slug))
    assert "Testo Mulino" in it
    assert "site-fallback" not in it


def test_a_tour_page_has_everything_a_walker_needs(campaign, tour_slug, out):
    build(campaign, out)
    page = read(out, TOUR.format(lang="en", slug=tour_slug))
    for needed in ('class="site-map"', "route.geojson", f'href="{tour_slug}.gpx" download',
                   "Start (A): Metro Ovest", "lines 1", "Walking time", "Step-free",
                   'loading="lazy"', "srcset=", 'alt="La torre vista dal parco"', 'property="og:title"',
                   'name="twitter:card"'):  # fmt: skip
        assert needed in page, needed
    gpx = ET.fromstring((out / f"testa-1-ovest/en/tours/{tour_slug}/{tour_slug}.gpx").read_bytes())  # noqa: S314 - our own output
    assert len(gpx.findall("{http://www.topografix.com/GPX/1/1}wpt")) == 5  # start, 3 stops, end


def test_nothing_on_a_page_is_loaded_from_another_site(campaign, tour_slug, out):
    build(campaign, out)
    for page in html_pages(out):
        text = page.read_text()
        for marker in ('src="http', "src='http", 'stylesheet" href="http', "<iframe"):
            assert marker not in text, (page, marker)


def test_injected_markup_is_shown_as_text_everywhere(campaign, tour_slug, out):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    poi = PointOfInterest.objects.get(name_it="Torre")
    PointOfInterest.objects.filter(pk=poi.pk).update(name_it=evil, name_en=evil, address=evil)
    TourStop.objects.filter(poi=poi).update(text_it=evil, text_en=evil)
    Tour.objects.filter(slug=tour_slug).update(title_it=evil, description_en=evil)
    Neighbourhood.objects.filter(slug="testa-1-ovest").update(description_it=evil, name_en=evil)
    Variant.objects.filter(account__platform=Platform.WEBSITE).update(caption=evil, title=evil)
    build(campaign, out)
    for path in out.rglob("*"):
        # JSON Feed's content_text is plain text by definition (no content_html is written).
        if path.is_file() and path.suffix in {".html", ".atom", ".gpx", ".xml"}:
            assert "<script>alert" not in path.read_text(), path
            assert "<img src=x" not in path.read_text(), path
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in read(
        out, TOUR.format(lang="it", slug=tour_slug)
    )
    feed = json.loads(read(out, "testa-1-ovest/feed.json"))
    assert "content_html" not in feed["items"][0]


def test_rendering_in_several_processes_writes_the_same_bytes(campaign, tmp_path, monkeypatch):
    from quartieri.minisites import build as build_module

    now = timezone.now()
    build(campaign, tmp_path / "one", now=now, unreleased=True, processes=1)
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 1)
    result = build(campaign, tmp_path / "two", now=now, unreleased=True, processes=2)
    one = {
        p.relative_to(tmp_path / "one"): p.read_bytes()
        for p in (tmp_path / "one").rglob("*")
        if p.is_file()
    }
    two = {
        p.relative_to(tmp_path / "two"): p.read_bytes()
        for p in (tmp_path / "two").rglob("*")
        if p.is_file()
    }
    assert one == two
    assert result.pages_written == len(two) - 1  # every file but the manifest, counted once


def test_players_wait_for_a_click(campaign, out):
    from quartieri.places.models import Playlist, Track

    Playlist.objects.update(spotify_url="https://open.spotify.com/playlist/37i9dQZF1DX4sWSpwq3LiO")
    Track.objects.update(youtube_url="https://youtu.be/dQw4w9WgXcQ")
    build(campaign, out)
    page = read(out, "testa-1-ovest/en/playlist/index.html")
    assert 'data-embed="https://open.spotify.com/embed/playlist/37i9dQZF1DX4sWSpwq3LiO"' in page
    assert 'data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in page
    assert "<iframe" not in page
    assert 'href="https://youtu.be/dQw4w9WgXcQ"' in page  # without JavaScript: the link


def test_a_failed_rendering_process_fails_the_build_and_records_nothing(
    campaign, tmp_path, monkeypatch
):
    import os

    from quartieri.minisites import build as build_module

    parent, render_share = os.getpid(), build_module._render_share

    def crashing_in_the_child() -> Any:
        if os.getpid() != parent:
            raise OSError("disk full")
        return render_share()

    monkeypatch.setattr(build_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(build_module, "_render_share", crashing_in_the_child)
    with pytest.raises(RuntimeError, match="a rendering process failed: OSError: disk full"):
        build(campaign, tmp_path / "site", unreleased=True, processes=2)
    assert not (tmp_path / "site" / "manifest.json").exists()
    assert not SiteBuild.objects.exists()
