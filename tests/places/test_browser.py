"""In a real browser: the map page loads, and the tour editor reorders a stop by keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from quartieri.accounts.models import User
from quartieri.places import selectors
from quartieri.places.models import Tour
from tests.accessibility import WCAG_AA


def stop_names(page: Any) -> list[str]:
    return [
        n.strip().split("\n")[0]
        for n in page.locator(
            '[data-testid="stop-row"] [data-testid="stop-name"]'
        ).all_inner_texts()
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_map_loads_and_keyboard_reorders_a_stop(
    page: Any, login: Any, editor: User, tour: Tour
) -> None:
    login(editor)
    page.goto("/places/")
    assert page.locator('[data-testid="places-map"].leaflet-container').count() == 1
    assert page.locator('[data-testid="featured-table"]').is_visible()

    errors: list[str] = []  # uncaught JavaScript errors
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/places/tours/{tour.slug}/")
    page.wait_for_selector('[data-testid="tour-map"].leaflet-container')
    assert page.locator('[data-testid="tour-map"] .leaflet-interactive').count() >= 1
    assert errors == []
    assert stop_names(page) == ["Torre", "Chiesa", "Mulino"]
    # Reach the "move Chiesa up" button with the Tab key only, then press Enter.
    target = page.locator('[data-testid="move-up"]').nth(1)
    label = target.get_attribute("aria-label")
    for _ in range(200):
        page.keyboard.press("Tab")
        if (
            page.evaluate(
                "document.activeElement && document.activeElement.getAttribute('aria-label')"
            )
            == label
        ):
            break
    else:
        pytest.fail("the move-up button is not reachable with the keyboard")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert stop_names(page) == ["Chiesa", "Torre", "Mulino"]
    assert [s.poi.name_it for s in selectors.tour_stops(tour=tour)] == ["Chiesa", "Torre", "Mulino"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_places_pages_pass_axe(page: Any, login: Any, editor: User, tour: Tour) -> None:
    from axe_playwright_python.sync_playwright import Axe

    from quartieri.places import services

    playlist = services.playlist_create(actor=None, neighbourhood=tour.neighbourhood, title="P")
    services.track_add(
        actor=None, playlist=playlist, artist="Artista", note="title not in our sources"
    )
    login(editor)
    urls = [
        "/places/",
        "/places/?category=heritage",
        f"/places/neighbourhoods/{tour.neighbourhood.slug}/",
        "/places/pois/",
        "/places/tours/",
        f"/places/tours/{tour.slug}/",
        f"/places/tours/{tour.slug}/edit/",
        "/places/playlists/",
        f"/places/playlists/{playlist.slug}/",
    ]
    problems = {}
    for url in urls:
        page.goto(url)
        page.wait_for_load_state()
        result = Axe().run(page, options=WCAG_AA)
        found = [
            f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
            for v in result.response["violations"]
        ]
        if found:
            problems[url] = found
    assert problems == {}
