from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from quartieri.core.demo import DEMO_PEOPLE, demo_run
from quartieri.lib.commands import QuartieriCommand


class Command(QuartieriCommand):
    help = (
        "Set up the Milan 2021 demo: migrate the database, load the demo campaign and one "
        "demo account per role, and print the logins. Safe to run again; --reset starts over. "
        "Never run it on a production database."
    )
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Empty the database first and load afresh."
        )
        parser.add_argument(
            "--from-today",
            action="store_true",
            help="Shift the demo campaign so that it starts today (watch publishing live).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = self.console
        call_command("migrate", interactive=False, verbosity=0)
        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
            console.print("Database emptied (--reset).")
        demo_run(console=console, from_today=options["from_today"])
        logins = [
            {"username": p.username, "password": p.password, "role": p.role.value}
            for p in DEMO_PEOPLE
        ]
        if options["format"] == "json":
            self.emit_json({"url": settings.PUBLIC_URL, "logins": logins})
            return
        self.emit_table(
            columns=("role", "username", "password"),
            rows=[(row["role"], row["username"], row["password"]) for row in logins],
        )
        self.stdout.write(f"Open {settings.PUBLIC_URL}/ and sign in with one of these.")
