"""The built demo sites in Debian's Chromium: axe-core finds no serious or critical WCAG 2.1
AA violation on any page type in either language, a tour page weighs under 150 KB before
its map is opened, nothing loads from another site until the visitor asks, and the page-view
beacon follows contract 2. One browser, one demo build, one static file server."""

from __future__ import annotations

import functools
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from quartieri.campaigns import demo as campaigns_demo
from quartieri.core import demo as core_demo
from quartieri.minisites import demo as minisites_demo
from quartieri.minisites.build import sites_root
from quartieri.places import demo as places_demo
from quartieri.posters import demo as posters_demo
from tests.accessibility import WCAG_AA
from tests.minisites.pages import broken_links, html_pages, images_without_alt, parse_errors

PAGE_TYPES = ("", "tours/{tour}/", "playlist/", "events/", "poster/", "subscribe/", "privacy/",
              "accessibility/", "credits/", "widget/")  # fmt: skip
BUDGET = 150 * 1024
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def demo_sites(db: None) -> Path:
    quiet = Console(file=io.StringIO())
    for module in (core_demo, places_demo, campaigns_demo, posters_demo, minisites_demo):
        module.load(console=quiet, from_today=False)
    return sites_root()


@pytest.fixture
def server(demo_sites: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(demo_sites))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.RequestHandlerClass.log_message = lambda *args: None  # type: ignore[method-assign]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.browser
def test_demo_sites_pass_axe_and_stay_light_and_private(browser, demo_sites, server, settings):
    from axe_playwright_python.sync_playwright import Axe

    assert sorted(p.name for p in demo_sites.iterdir() if p.is_dir() and p.name != "assets" and p.name != "feeds") == [
        "milano-11-isola", "milano-34-chiaravalle", "milano-55-baggio-qre-degli-olmi-qre-valsesia"
    ]  # fmt: skip
    assert [e for page in html_pages(demo_sites) for e in parse_errors(page)] == []
    assert broken_links(demo_sites) == []
    assert images_without_alt(demo_sites) == []

    context = browser.new_context(locale="it-IT")
    outside: list[str] = []
    beacons: list[dict[str, str]] = []

    def route(request_route: Any) -> None:
        request = request_route.request
        if request.url.startswith(server):
            request_route.continue_()
        elif request.url.startswith(f"{settings.PUBLIC_URL}/a/pv"):
            beacons.append(json.loads(request.post_data))
            request_route.fulfill(status=204)
        else:
            outside.append(request.url)
            request_route.fulfill(status=200, body=PNG, content_type="image/png")

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    axe = Axe()
    tour = next((demo_sites / "milano-11-isola/it/tours").iterdir()).name
    checked = []
    for site in ("milano-11-isola", "milano-55-baggio-qre-degli-olmi-qre-valsesia"):
        for lang in ("it", "en"):
            for kind in PAGE_TYPES:
                if site != "milano-11-isola" and kind not in ("", "events/"):
                    continue
                path = f"/{site}/{lang}/{kind.format(tour=tour)}"
                page.goto(server + path)
                assert serious(axe.run(page, options=WCAG_AA)) == [], path
                checked.append(path)
    for path in ("/", "/milano-11-isola/"):
        page.goto(server + path)
        assert serious(axe.run(page, options=WCAG_AA)) == [], path
    assert errors == []
    assert outside == []
    assert {(b["s"], b["l"]) for b in beacons} >= {
        ("milano-11-isola", "it"),
        ("milano-11-isola", "en"),
    }
    assert all(b["u"].startswith(server) and set(b) == {"u", "r", "s", "l"} for b in beacons)

    # A tour page, fresh cache: its weight before the map is opened, then the map on request.
    fresh = browser.new_context(locale="en-GB")
    fresh.route("**/*", route)
    tour_page = fresh.new_page()
    sizes: list[int] = []
    tour_page.on(
        "requestfinished",
        lambda request: sizes.append(
            request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]
        ),
    )
    tour_page.goto(f"{server}/milano-11-isola/en/tours/{tour}/")
    tour_page.wait_for_load_state("networkidle")
    assert 0 < sum(sizes) <= BUDGET, sum(sizes)
    assert outside == []
    tour_page.click("[data-map-open]")
    tour_page.wait_for_selector(".site-live-map.leaflet-container")
    tour_page.wait_for_load_state("networkidle")
    assert outside
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in outside)
    assert serious(axe.run(tour_page, options=WCAG_AA)) == []
    fresh.close()
    context.close()
