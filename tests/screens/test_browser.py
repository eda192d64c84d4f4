"""In Debian's Chromium: the player plays, survives the network going away and a reload
without it, then reports what it played exactly once and picks up the changed playlist.
And the staff pages: the playlist editor by keyboard alone, and WCAG 2.1 AA (axe-core).

The player's context has no request routing: Playwright's routes do not see what a service
worker fetches, so instead every request the browser makes is recorded and the test fails
on any that leaves the live server.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from quartieri.accounts.models import User
from quartieri.screens import services, slides
from quartieri.screens.models import Display, Play, Playlist, Slide
from tests.accessibility import WCAG_AA
from tests.conftest import serial_live_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def live_server() -> Iterator[LiveServer]:
    """The player fetches its manifest, slides and plays at once: one request at a time on
    in-memory SQLite (tests/conftest.py, serial_live_server)."""
    server = serial_live_server("localhost")
    yield server
    server.stop()


# Installed before every page's own scripts: records every slide shown and, when one
# replaces another, the one that finished, in sessionStorage so that the record outlives a
# reload. Not subject to the page's CSP.
WATCH = """
window.__done = JSON.parse(sessionStorage.getItem("__done") || "[]");
window.__shown = [];
window.__changed = 0;
new MutationObserver(function (records) {
  records.forEach(function (r) {
    if (r.attributeName !== "data-slide") { return; }
    window.__shown.push(r.target.dataset.slide);
    window.__changed = Date.now();
    if (r.oldValue) { window.__done.push(Number(r.oldValue)); }
    sessionStorage.setItem("__done", JSON.stringify(window.__done));
  });
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-slide"], attributeOldValue: true});
"""
OWN_CACHES = "caches.keys().then(names => names.filter(n => n.startsWith('screens:')).length)"
# Between 0.2 and 0.6 s into a 1 s slide: the play that just ended is safely in IndexedDB.
MID_SLIDE = (
    "window.__changed && Date.now() - window.__changed > 200 && Date.now() - window.__changed < 600"
)
BUFFERED = """() => new Promise(function (resolve) {
  var open = indexedDB.open("screens:" + location.pathname, 1);
  open.onsuccess = function () {
    var count = open.result.transaction("plays").objectStore("plays").count();
    count.onsuccess = function () { resolve(count.result); };
  };
  open.onerror = function () { resolve(-1); };
})"""


def wait_until(condition: Callable[[], Any], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def holds(page: Any, expression: str, seconds: float, what: str) -> None:
    wait_until(lambda: page.evaluate(expression), seconds=seconds, what=what)


@pytest.fixture
def fast_player(settings: Any) -> None:
    settings.SCREENS_POLL_SECONDS = 1
    settings.SCREENS_REPORT_SECONDS = 1


def test_the_player_keeps_playing_offline_and_reports_each_play_once(
    browser, live_server, fast_player, display, make_slide, group, tmp_path
):
    playlist = services.playlist_create(actor=None, name="Offline")
    a = make_slide("A", qr_target="http://127.0.0.1:8000/q/borgo/it/", show_map=True)
    b = make_slide("B")
    services.playlist_set_items(actor=None, playlist=playlist, items=[(a, 1), (b, 1)])
    services.schedule_save(actor=None, name="Always", playlist=playlist, groups=[group])
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 720})
    elsewhere: list[str] = []
    context.on(
        "request",
        lambda r: (
            elsewhere.append(r.url)
            if r.url.startswith("http") and not r.url.startswith(live_server.url)
            else None
        ),
    )
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # Online: the two slides play in their order, and the service worker takes over.
        page.goto(services.display_player_path(display))
        # (page.evaluate, not wait_for_function: the page's CSP forbids evaluating strings.)
        holds(page, "navigator.serviceWorker.controller !== null", 15, "the service worker")
        holds(page, "window.__done.length >= 2", 15, "two slides")
        assert page.evaluate("window.__shown.filter(Boolean).slice(0, 2)") == [str(a.pk), str(b.pk)]
        _qr_reads(context, display, a, tmp_path)

        # Offline, and reloaded: it plays on from its cache and keeps its plays to itself.
        context.set_offline(True)
        time.sleep(1.5)  # a report already on its way lands
        stored_offline = Play.objects.count()
        holds(page, MID_SLIDE, 5, "the middle of a slide")
        page.reload()
        finished_online = len(page.evaluate("window.__done"))
        holds(page, f"window.__done.length >= {finished_online + 3}", 20, "three slides offline")
        assert set(page.evaluate("window.__shown.filter(Boolean)")) <= {str(a.pk), str(b.pk)}
        assert page.evaluate(BUFFERED) >= 3
        assert Play.objects.count() == stored_offline

        # Meanwhile the playlist changes; back online the player sends what it kept and
        # switches to the new list.
        c = make_slide("C")
        services.playlist_set_items(actor=None, playlist=playlist, items=[(a, 1), (c, 1)])
        finished_offline = len(page.evaluate("window.__done"))
        context.set_offline(False)
        holds(page, f"document.getElementById('stage').dataset.slide === '{c.pk}'", 20, "slide C")
        wait_until(
            lambda: page.evaluate(BUFFERED) == 0, seconds=10, what="the buffered plays to be sent"
        )
        done = page.evaluate("window.__done")

        # A new player address: the old one stops, forgets what it held and shows nothing.
        services.display_rotate_token(actor=None, display=display)
        holds(page, "document.getElementById('stage').dataset.slide === ''", 10, "a blank screen")
        holds(page, OWN_CACHES + ".then(n => n === 0)", 5, "the caches to go")
        assert page.reload().status == 404
    finally:
        context.close()
    stored = list(Play.objects.filter(display=display).order_by("started_at"))
    # Every play the page finished, in order, once: the stored ones are exactly the first
    # of them, every one finished offline included (the last few may still have been in
    # the buffer when the page closed).
    assert len(stored) >= finished_offline >= 5
    assert [play.slide_id for play in stored] == done[: len(stored)]
    assert len({play.uid for play in stored}) == len(stored)
    assert all(
        earlier.ended_at <= later.started_at
        for earlier, later in zip(stored, stored[1:], strict=False)
    )
    assert Display.objects.get(pk=display.pk).software_version == "1"
    assert elsewhere == []
    assert errors == []


def _qr_reads(context: Any, display: Display, slide: Slide, folder: Any) -> None:
    """The QR code drawn on the layout, as the player's browser renders the file, leads to
    the tracked link of the slide's target."""
    if shutil.which("zbarimg") is None:
        return
    rendition = slides.rendition_for(slide=slide, width=display.width, height=display.height)
    url = (
        services.display_player_path(display)
        + f"files/r/{rendition.pk}/{slides.file_name(rendition)}"
    )
    viewer = context.new_page()
    viewer.goto(url)
    shot = folder / "slide.png"
    viewer.screenshot(path=str(shot))
    viewer.close()
    found = subprocess.run(
        ["zbarimg", "--raw", "-q", str(shot)], capture_output=True, text=True, timeout=30
    )
    assert found.stdout.strip() == slides.qr_link(slide)


def _rows(page: Any) -> list[str]:
    return [name.strip() for name in page.locator('[data-testid="item-name"]').all_inner_texts()]


def test_the_playlist_editor_works_by_keyboard_alone(
    page, login, approver: User, playlist: Playlist
):
    login(approver)
    page.goto(f"/screens/playlists/{playlist.pk}/")
    assert _rows(page) == ["A", "B"]
    target = page.locator('[data-testid="move-down"]').first
    label = target.inner_text().replace("\n", " ").strip()
    for _ in range(200):
        page.keyboard.press("Tab")
        if (
            page.evaluate(
                "document.activeElement && document.activeElement.innerText.replace(/\\n/g, ' ').trim()"
            )
            == label
        ):
            break
    else:
        pytest.fail("the move-down button is not reachable with the keyboard")
    page.keyboard.press("Enter")
    assert _rows(page) == ["B", "A"]
    # The page speaks Italian, the staff's default language.
    assert page.locator("#editor-status").inner_text().startswith("A spostata in posizione 2 di 2.")
    assert page.evaluate("document.activeElement.dataset.move") == "down"  # focus stayed
    with page.expect_navigation():
        page.locator('[data-testid="save"]').press("Enter")
    assert _rows(page) == ["B", "A"]
    assert [item.slide.name for item in playlist.items.order_by("position")] == ["B", "A"]


def test_the_screens_pages_pass_axe(
    page, login, approver: User, display: Display, playlist: Playlist
):
    from axe_playwright_python.sync_playwright import Axe

    login(approver)
    slide = Slide.objects.get(name="A")
    schedule = playlist.schedules.get()
    urls = [
        "/screens/",
        f"/screens/displays/{display.pk}/",
        f"/screens/displays/{display.pk}/edit/",
        "/screens/groups/",
        "/screens/slides/",
        "/screens/slides/new/",
        f"/screens/slides/{slide.pk}/",
        "/screens/playlists/",
        f"/screens/playlists/{playlist.pk}/",
        "/screens/schedules/",
        f"/screens/schedules/{schedule.pk}/edit/",
        "/screens/report/",
        services.display_player_path(display),  # the player itself (a kiosk page)
    ]
    problems = {}
    for url in urls:
        page.goto(url)
        page.wait_for_load_state()
        found = [
            f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
            for v in Axe().run(page, options=WCAG_AA).response["violations"]
        ]
        if found:
            problems[url] = found
    assert problems == {}
