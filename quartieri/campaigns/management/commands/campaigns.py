"""`quartieri campaigns import-plan SLUG FILE.csv --as USERNAME`: draft a content plan.
`quartieri campaigns thumbnails [SLUG]`: make the media library's missing thumbnails.

The whole file is checked first and written in one transaction; the first bad row stops
the import with its line number and reason, and nothing is written (exit status 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from quartieri.accounts.models import User
from quartieri.campaigns.csvplan import PlanError, plan_import_file
from quartieri.campaigns.models import Campaign, MediaAsset
from quartieri.campaigns.thumbnails import media_thumbnail_make
from quartieri.lib.commands import QuartieriCommand, UsageError, progress


class Command(QuartieriCommand):
    help = "Campaigns: import a content plan (CSV); make the media library's thumbnails."
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
        thumbs = sub.add_parser(
            "thumbnails", help="Make the thumbnail of every image and video that has none."
        )
        thumbs.add_argument("slug", nargs="?", help="Only this campaign's files.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "thumbnails":
            self._thumbnails(options)
            return
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

    def _thumbnails(self, options: dict[str, Any]) -> None:
        assets = MediaAsset.objects.filter(thumbnail="").order_by("pk")
        if options["slug"]:
            if not Campaign.objects.filter(slug=options["slug"]).exists():
                raise UsageError(f"no campaign {options['slug']!r}")
            assets = assets.filter(content_item__campaign__slug=options["slug"])
        rows = list(assets)
        made = sum(
            media_thumbnail_make(asset=asset)
            for asset in progress(rows, description="Thumbnails", total=len(rows))
        )
        if options["format"] == "json":
            self.emit_json({"without": len(rows), "made": made, "failed": len(rows) - made})
            return
        self.emit_table(
            columns=("files without a thumbnail", "made", "could not be made"),
            rows=[(len(rows), made, len(rows) - made)],
        )
