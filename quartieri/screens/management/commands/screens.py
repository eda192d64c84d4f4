"""`quartieri screens <sub-command>`: the displays, their proof of play, token rotation.

quartieri screens displays [--format json]      id, name, neighbourhood, player_url, last_seen
quartieri screens plays --display ID [--limit N] [--format json]   slide, started, ended
quartieri screens rotate-token --display ID      the old player address then sees nothing
quartieri screens sync                           screens channel posts → group playlists
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction
from django.utils import timezone

from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.screens import channel, selectors, services
from quartieri.screens.models import Display


class Command(QuartieriCommand):
    help = "City screens: list displays, read a display's proof of play, rotate a player token."
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("displays", help="Every display with its player address and last contact.")
        plays = sub.add_parser("plays", help="What one display reported playing, newest first.")
        plays.add_argument("--display", required=True, help="The display's id.")
        plays.add_argument("--limit", type=int, default=1000, help="At most this many (1000).")
        rotate = sub.add_parser("rotate-token", help="Give a display a new player address.")
        rotate.add_argument("--display", required=True, help="The display's id.")
        sub.add_parser("sync", help="Bring the screens channel's posts into the group playlists.")
        for parser_ in sub.choices.values():
            # `quartieri screens displays --format json`: the format may follow the action too.
            parser_.add_argument(
                "--format",
                choices=list(self.formats),
                default=argparse.SUPPRESS,
                help=argparse.SUPPRESS,
            )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "displays":
            self._displays(options)
        elif action == "plays":
            self._plays(options)
        elif action == "rotate-token":
            self._rotate(options)
        else:
            with transaction.atomic():
                changed = channel.variants_sync()
            self.stdout.write(f"{changed} channel playlist(s) changed.")

    def _display(self, value: str) -> Display:
        if not value.isdigit():
            raise UsageError(f"--display {value!r} is not a display id (a whole number)")
        display = Display.objects.filter(pk=int(value)).first()
        if display is None:
            raise UsageError(
                f"--display {value}: no such display (see 'quartieri screens displays')"
            )
        return display

    def _displays(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        rows = [
            {
                "id": display.pk,
                "name": display.name,
                "neighbourhood": display.neighbourhood.slug if display.neighbourhood else None,
                "player_url": services.display_player_url(display) if display.active else None,
                "last_seen": display.last_seen_at.isoformat() if display.last_seen_at else None,
                "health": selectors.display_health(display, now=now).value,
            }
            for display in selectors.display_list()
        ]
        if options["format"] == "json":
            self.emit_json(rows)
            return
        columns = ("id", "name", "neighbourhood", "last_seen", "health", "player_url")
        self.emit_table(columns=columns, rows=[[row[c] or "—" for c in columns] for row in rows])

    def _plays(self, options: dict[str, Any]) -> None:
        display = self._display(options["display"])
        if options["limit"] < 1:
            raise UsageError(f"--limit {options['limit']} must be at least 1")
        rows = [
            {
                "slide": play.slide_id,
                "slide_name": play.slide.name,
                "started": play.started_at.isoformat(),
                "ended": play.ended_at.isoformat(),
            }
            for play in selectors.display_plays(display, limit=options["limit"])
        ]
        if options["format"] == "json":
            self.emit_json(rows)
            return
        columns = ("slide", "slide_name", "started", "ended")
        self.emit_table(columns=columns, rows=[[row[c] for c in columns] for row in rows])

    def _rotate(self, options: dict[str, Any]) -> None:
        display = services.display_rotate_token(
            actor=None, display=self._display(options["display"])
        )
        url = services.display_player_url(display)
        if options["format"] == "json":
            self.emit_json({"id": display.pk, "player_url": url})
            return
        self.stdout.write(f"Display {display.pk} ({display.name}): new player address {url}")
        self.stdout.write("The old address now shows nothing; open the new one on the screen.")
