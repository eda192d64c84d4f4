"""`quartieri campaigns import-plan SLUG FILE.csv --as USERNAME`: draft a content plan.

The whole file is checked first and written in one transaction; the first bad row stops
the import with its line number and reason, and nothing is written (exit status 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from quartieri.accounts.models import User
from quartieri.campaigns.csvplan import PlanError, plan_import_file
from quartieri.campaigns.models import Campaign
from quartieri.lib.commands import QuartieriCommand, UsageError


class Command(QuartieriCommand):
    help = "Campaigns: import a content plan (CSV) as draft variants, all or nothing."
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("import-plan", help="Draft items and variants from a CSV plan.")
        plan.add_argument("slug", help="The campaign's slug.")
        plan.add_argument("file", type=Path)
        plan.add_argument(
            "--as",
            dest="username",
            required=True,
            help="Whose drafts these are: that person's role and grants are checked per row.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.filter(slug=options["slug"]).first()
        if campaign is None:
            raise UsageError(f"no campaign {options['slug']!r}")
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise UsageError(f"no active user {options['username']!r}")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise UsageError(f"cannot read {str(path)!r}: {error.strerror}") from None
        try:
            result = plan_import_file(actor=actor, campaign=campaign, data=data)
        except PlanError as error:
            raise UsageError(f"{path.name}: {error} (nothing was written)") from None
        if options["format"] == "json":
            self.emit_json({"items": result.items, "variants": [v.pk for v in result.variants]})
            return
        self.emit_table(
            columns=("file", "content items", "draft variants"),
            rows=[(path.name, result.items, len(result.variants))],
        )
