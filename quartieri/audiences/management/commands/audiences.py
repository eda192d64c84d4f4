from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError

from quartieri.audiences import dataset
from quartieri.audiences.selectors import segment_rows
from quartieri.audiences.services import catalogue_load
from quartieri.lib.commands import QuartieriCommand, UsageError


class Command(QuartieriCommand):
    help = (
        "The audience catalogue: 'list' shows the segments and their sizes with sources; "
        "'load' loads channels, segments and figures from data/audiences/."
    )
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List the audience segments and their sizes.")
        load = sub.add_parser("load", help="Load the catalogue from the shipped CSV files.")
        for action in (listing, load):
            # Also accepted after the sub-command; SUPPRESS keeps a value given before it.
            action.add_argument("--format", choices=self.formats, default=argparse.SUPPRESS)
        load.add_argument("--directory", default=str(dataset.DATA_DIR))
        load.add_argument(
            "--overwrite", action="store_true", help="Replace staff edits with the files' values."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._handle(options)
        except DatabaseError as error:
            raise CommandError(
                f"the catalogue is not readable ({error}); run 'quartieri migrate' first"
            ) from None

    def _handle(self, options: dict[str, Any]) -> None:
        if options["action"] == "load":
            directory = Path(options["directory"])
            if not (directory / "channels.csv").is_file():
                raise UsageError(f"no channels.csv in directory: {directory}")
            report = catalogue_load(actor=None, directory=directory, overwrite=options["overwrite"])
            if options["format"] == "json":
                self.emit_json(report.as_json())
            else:
                self.stdout.write(f"Catalogue: {report.created} created, {report.updated} updated.")
            return
        rows = segment_rows()
        if options["format"] == "json":
            self.emit_json(rows)
            return
        self.emit_table(
            columns=("slug", "size", "unit", "source", "year"),
            rows=[
                (
                    r["slug"],
                    r["size"] if r["size"] is not None else "missing",
                    r["unit"],
                    r["source"] or "",
                    r["year"] or "",
                )
                for r in rows
            ],
        )
