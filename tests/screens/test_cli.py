"""`quartieri screens displays|plays|rotate-token`: data as JSON, errors as one line, status 2."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from quartieri.screens import services
from quartieri.screens.models import Display, Slide
from tests.processes import run
from tests.screens.conftest import play

pytestmark = pytest.mark.django_db


def screens(*args: str) -> str:
    out = io.StringIO()
    call_command("screens", *args, stdout=out)
    return out.getvalue()


def test_displays_lists_each_display_with_its_player_address(display, settings):
    settings.PUBLIC_URL = "https://screens.example.org"
    rows = json.loads(screens("displays", "--format", "json"))
    token = services.display_player_path(display).split("/")[-2]
    assert rows == [
        {
            "id": display.pk,
            "name": "Borgo M9",
            "neighbourhood": "testa-1-borgo",
            "player_url": f"https://screens.example.org/screens/player/{token}/",
            "last_seen": None,
            "health": "never",
        }
    ]


def test_plays_lists_what_a_display_reported_newest_first(display, playlist, player):
    a = Slide.objects.get(name="A")
    start = timezone.now() - dt.timedelta(seconds=40)  # after the display was registered
    batch = [play(f"c{n}", a.pk, start + dt.timedelta(seconds=10 * n)) for n in range(3)]
    player("plays", method="post", body={"plays": batch})
    rows = json.loads(screens("plays", "--display", str(display.pk), "--format", "json"))
    assert [(row["slide"], row["started"]) for row in rows] == [
        (a.pk, (start + dt.timedelta(seconds=10 * n)).isoformat()) for n in (2, 1, 0)
    ]
    assert set(rows[0]) == {"slide", "slide_name", "started", "ended"}


def test_rotate_token_makes_the_old_address_see_nothing(display, playlist):
    old = services.display_player_path(display)
    answer = json.loads(screens("rotate-token", "--display", str(display.pk), "--format", "json"))
    new = services.display_player_path(Display.objects.get(pk=display.pk))
    assert answer == {"id": display.pk, "player_url": f"http://127.0.0.1:8000{new}"}
    assert Client().get(old + "manifest.json").status_code == 404
    assert Client().get(new + "manifest.json").status_code == 200


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("plays", "--display", "999"), "--display 999: no such display"),
        (("rotate-token", "--display", "x1"), "--display 'x1' is not a display id"),
        (("plays", "--display", "1", "--limit", "0"), "--limit 0 must be at least 1"),
    ],
    ids=["unknown_display_case", "not_a_number_case", "bad_limit_case"],
)
def test_bad_input_is_refused_naming_it(display, args, named):
    if args[-1] == "0":
        args = ("plays", "--display", str(display.pk), "--limit", "0")
    with pytest.raises(CommandError, match=named) as refused:
        screens(*args)
    assert refused.value.returncode == 2


def test_the_command_line_answers_bad_input_with_one_line_and_status_2(tmp_path):
    result = run("screens", "rotate-token", "--display", "abc", QUARTIERI_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "quartieri screens: --display 'abc' is not a display id (a whole number)"
    )
