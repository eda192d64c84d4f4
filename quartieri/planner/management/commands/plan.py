from __future__ import annotations

import math
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError

from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.planner.build import LATEST, PlanInputError, PlanRequest
from quartieri.planner.model import Objective
from quartieri.planner.selectors import plan_compute


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"not a number: {text}") from None
    if not math.isfinite(value):
        raise UsageError(f"not a finite number: {text}")
    return value


class Command(QuartieriCommand):
    help = (
        "Recommend a channel mix for one or more audiences: de-duplicated reach, cost and a "
        "reason for every channel, from the sourced audience catalogue."
    )
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--audience", action="append", default=[], help="Segment slug (repeatable)."
        )
        parser.add_argument("--budget", default="10000", help="Money for paid channels, EUR.")
        parser.add_argument("--weeks", default="8", help="Campaign length in weeks.")
        parser.add_argument(
            "--hours-per-week", default="10", help="Production hours a week for owned channels."
        )
        parser.add_argument("--objective", default="reach", help="reach, frequency or traffic.")
        parser.add_argument("--min-frequency", default="3", help="k for the frequency objective.")
        parser.add_argument("--channels", default="", help="Only these channels: a,b,c.")
        parser.add_argument("--purpose", default="", help="institutional or promotion.")
        parser.add_argument("--year", default="", help="Use the usage figures nearest this year.")

    def _request(self, options: dict[str, Any]) -> PlanRequest:
        if not options["audience"]:
            raise UsageError("--audience is required (see 'quartieri audiences list')")
        try:
            objective = Objective(options["objective"])
        except ValueError:
            raise UsageError(f"unknown objective: {options['objective']}") from None
        weeks = _number(options["weeks"])
        if weeks != int(weeks):
            raise UsageError(f"weeks must be a whole number: {options['weeks']}")
        year = int(_number(options["year"])) if options["year"] else LATEST
        channels = tuple(c.strip() for c in options["channels"].split(",") if c.strip())
        if options["purpose"] not in ("", "institutional", "promotion"):
            raise UsageError(f"unknown purpose: {options['purpose']}")
        budget, hours = _number(options["budget"]), _number(options["hours_per_week"])
        # Checked before the catalogue is read, so a typo costs no database work.
        if budget < 0:
            raise UsageError(f"budget must be zero or more, not {options['budget']}")
        if weeks < 1:
            raise UsageError(f"weeks must be 1 or more, not {options['weeks']}")
        if hours < 0:
            raise UsageError(
                f"hours per week must be zero or more, not {options['hours_per_week']}"
            )
        return PlanRequest(
            audiences=tuple(options["audience"]),
            budget=budget,
            weeks=int(weeks),
            hours_per_week=hours,
            objective=objective,
            channels=channels,
            year=year,
            purpose=options["purpose"],
            min_frequency=int(_number(options["min_frequency"])),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        request = self._request(options)
        try:
            plan = plan_compute(request=request)
        except PlanInputError as error:
            raise UsageError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(
                f"the catalogue is not readable ({error}); run 'quartieri migrate' and "
                "'quartieri audiences load'"
            ) from None
        if options["format"] == "json":
            data = plan.to_json()
            for channel in data["channels"]:
                channel.pop("curve", None)
            self.emit_json(data)
            return
        self.emit_table(
            columns=(
                "#",
                "channel",
                "EUR",
                "h/week",
                "reach",
                "%",
                "affinity",
                "freq",
                "EUR/1000 reached",
            ),
            rows=[
                (
                    c.rank,
                    c.channel + ("" if c.recommended else " (out)"),
                    f"{c.budget:,.0f}",
                    f"{c.hours_per_week:g}",
                    f"{c.reach:,}",
                    f"{c.reach_pct:.1f}",
                    "" if c.affinity is None else f"{c.affinity:.0f}",
                    f"{c.frequency:.1f}",
                    ""
                    if c.cost_per_thousand_reached is None
                    else f"{c.cost_per_thousand_reached:.2f}",
                )
                for c in plan.channels
            ],
        )
        self.stdout.write(
            f"De-duplicated reach: {plan.total_reach:,} people ({plan.total_reach_pct:.1f} %)."
        )
        for channel in plan.channels:
            self.stdout.write(f"- {channel.reason}")
        for note in plan.notes:
            self.stdout.write(f"Note: {note}")
