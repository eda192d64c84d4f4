from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils import timezone

from quartieri.analytics.ingest import Spool, spool_replay
from quartieri.analytics.upkeep import measurements_prune
from quartieri.lib.commands import QuartieriCommand, UsageError


class Command(QuartieriCommand):
    help = (
        "Upkeep of measurement. 'spool' shows the events waiting on this machine's disk spool "
        "(written there while the database was unavailable); 'replay' writes them now (workers "
        "do it on their own); 'prune' deletes raw events older than --days (roll-ups stay)."
    )
    output_formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("spool", help="events waiting on disk")
        actions.add_parser("replay", help="write the spooled events now")
        prune = actions.add_parser("prune", help="delete raw events past retention")
        prune.add_argument("--days", type=int, default=settings.ANALYTICS_RAW_RETENTION_DAYS)
        for sub in actions.choices.values():
            sub.add_argument("--format", choices=list(self.output_formats), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "spool":
            spool = Spool(settings.ANALYTICS_SPOOL_DIR)
            data: dict[str, Any] = {
                "directory": str(spool.directory),
                "batches": len(spool.pending()),
                "events": spool.events_waiting(),
                "rejected_events": Spool(spool.directory / "rejected").events_waiting(),
            }
        elif options["action"] == "replay":
            report = spool_replay()
            while report.written or report.duplicates:
                more = spool_replay()
                if not (more.written or more.duplicates):
                    break
                report.written += more.written
                report.duplicates += more.duplicates
            waiting = Spool(settings.ANALYTICS_SPOOL_DIR).events_waiting()
            data = {"written": report.written, "duplicates": report.duplicates, "waiting": waiting}
            if waiting:
                self._emit(data, options)
                raise UsageError(f"replay: {waiting} events still wait: is the database up?")
        else:
            if options["days"] < 1:
                raise UsageError(f"prune: --days {options['days']} must be at least 1")
            data = measurements_prune(now=timezone.now(), retention_days=options["days"]).as_json()
        self._emit(data, options)

    def _emit(self, data: dict[str, Any], options: dict[str, Any]) -> None:
        if options["format"] == "json":
            self.emit_json(data)
        else:
            self.emit_table(columns=("what", "value"), rows=list(data.items()))
