from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import CommandParser

from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.minisites.build import MANIFEST, site_build, sites_root
from quartieri.minisites.upload import s3_client, sites_upload
from quartieri.posters.selectors import campaign_arg


class Command(QuartieriCommand):
    def _upload(self, options: dict[str, Any]) -> None:
        out = Path(options["out"]) if options["out"] else sites_root()
        if not (out / MANIFEST).is_file():
            raise UsageError(
                f"--out {out}: no manifest.json there; run 'quartieri sites build' first"
            )
        try:
            client = s3_client(endpoint_url=options["endpoint_url"], region=options["region"])
        except RuntimeError as error:
            raise UsageError(str(error)) from None
        result = sites_upload(
            out_dir=out, bucket=options["bucket"], prefix=options["prefix"], client=client
        )
        report = {
            "uploaded": len(result.uploaded),
            "deleted": len(result.deleted),
            "unchanged": result.unchanged,
        }
        if options["format"] == "json":
            self.emit_json(report)
        else:
            self.emit_table(columns=tuple(report), rows=[tuple(report.values())])

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
        upload = sub.add_parser(
            "upload", help="Copy a built folder to S3-compatible storage (needs the s3 extra)."
        )
        upload.add_argument("--bucket", required=True, help="Bucket name.")
        upload.add_argument("--prefix", default="", help="Key prefix inside the bucket.")
        upload.add_argument("--endpoint-url", default="", help="S3-compatible endpoint (MinIO, …).")
        upload.add_argument("--region", default="", help="Region name.")
        upload.add_argument("--out", default="", help="The built folder (default: the live sites).")
        build.add_argument(
            "--unreleased",
            action="store_true",
            help="Also write sites no approved website post has released (a staging build; pages ask not to be indexed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "upload":
            self._upload(options)
            return
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
                "posters missing",
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
                    ", ".join(result.posters_missing) or "-",
                    result.manifest_path,
                )
            ],
        )
