"""What every quartieri management command shares: output formats and progress bars."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


class UsageError(CommandError):
    """A wrong argument or value: exit status 2 and one line naming it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


class QuartieriCommand(BaseCommand):
    """Base for quartieri commands with ``--format table|json`` where output is data."""

    formats: Sequence[str] = ()

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if self.formats:
            parser.add_argument(
                "--format",
                choices=list(self.formats),
                default=self.formats[0],
                help="Output format: a table for people, json for scripts.",
            )
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            # One line in the CLI's own voice instead of Django's "UsageError: ..." prefix.
            name = type(self).__module__.rsplit(".", 1)[-1]
            self.stderr.write(f"quartieri {name}: {error}")
            raise SystemExit(error.returncode) from None

    @property
    def console(self) -> Console:
        return Console(file=sys.stderr)

    def emit_json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def emit_table(self, *, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        table = Table(*columns)
        for row in rows:
            table.add_row(*(str(cell) for cell in row))
        buffer = io.StringIO()
        Console(file=buffer, width=140).print(table)
        self.stdout.write(buffer.getvalue().rstrip("\n"))


def progress[T](
    items: Iterable[T],
    *,
    description: str,
    total: int | None = None,
    console: Console | None = None,
) -> Iterator[T]:
    """Iterate with a progress bar on stderr (stdout stays clean for --format json).

    Pass the console the loop body prints to, so its lines appear above the bar.
    """
    console = console or Console(file=sys.stderr)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=not console.is_terminal) as bar:
        yield from bar.track(items, total=total, description=description)
