from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import CommandParser

from quartieri.campaigns.models import Campaign
from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.minisites import selectors
from quartieri.minisites.build import site_build


def campaign_arg(slug: str) -> Campaign:
    """The campaign named by --campaign, else the demo one or the only running one."""
    campaign = selectors.campaign_for(slug=slug)
    if campaign is None:
        if slug:
            raise UsageError(f"--campaign {slug}: no campaign has that slug")
        raise UsageError(
            "no demo campaign and not exactly one active campaign: pass --campaign SLUG"
        )
    return campaign


class Command(QuartieriCommand):
    help = (
        "Mini-sites. 'sites build' renders each live neighbourhood site of a campaign into a "
        "folder (incremental: only changed pages are written; manifest.json lists every file)."
    )
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="Build the campaign's mini-sites.")
        build.add_argument(
            "--campaign",
            default="",
            help="Campaign slug (default: the demo or the only active one).",
        )
        build.add_argument(
            "--out",
            default="",
            help="Output folder (default: the folder 'quartieri serve' answers under /q/).",
        )
        build.add_argument(
            "--base-url",
            default="",
            help="Address the folder is served at (default QUARTIERI_SITES_BASE_URL).",
        )
        build.add_argument(
            "--unreleased",
            action="store_true",
            help="Also write sites no approved website post has released (a staging build; pages ask not to be indexed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = campaign_arg(options["campaign"])
        base_url = options["base_url"]
        if base_url and (
            urlsplit(base_url).scheme not in {"http", "https"} or not urlsplit(base_url).netloc
        ):
            raise UsageError(f"--base-url {base_url}: not an http:// or https:// address")
        result = site_build(
            campaign=campaign,
            out_dir=Path(options["out"]) if options["out"] else None,
            base_url=base_url or None,
            unreleased=options["unreleased"],
        )
        if options["format"] == "json":
            self.emit_json(result.as_json())
            return
        self.emit_table(
            columns=(
                "written",
                "unchanged",
                "removed",
                "seconds",
                "live sites",
                "not released",
                "manifest",
            ),
            rows=[
                (
                    result.pages_written,
                    result.pages_unchanged,
                    result.pages_removed,
                    f"{result.seconds:.2f}",
                    ", ".join(sorted(result.released)) or "-",
                    ", ".join(result.left_out) or "-",
                    result.manifest_path,
                )
            ],
        )
