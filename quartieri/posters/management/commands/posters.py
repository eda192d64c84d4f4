from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser

from quartieri.analytics.links import LinkError
from quartieri.lib.commands import QuartieriCommand, UsageError, progress
from quartieri.posters import services
from quartieri.posters.selectors import campaign_arg


class Command(QuartieriCommand):
    help = (
        "Posters. 'posters build' renders one print-ready PDF per neighbourhood of a campaign "
        "(trim size + 3 mm bleed, crop marks, QR code, embedded fonts, tagged PDF)."
    )
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="Render the campaign's posters.")
        build.add_argument(
            "--campaign",
            default="",
            help="Campaign slug (default: the demo or the only active one).",
        )
        build.add_argument(
            "--size",
            default="",
            help="A4, A3, A2, A1, A0 or WxH in cm (70x100); default: each poster's saved size.",
        )
        build.add_argument(
            "--lang", default="it", choices=["it", "en"], help="Language of the text (default it)."
        )
        build.add_argument(
            "--out", default="", help="Output folder (default: var/build/posters/<campaign>)."
        )
        build.add_argument(
            "--placement",
            default=services.PLACEMENT,
            help="Where this print run goes (e.g. tram-12): its QR codes get a tracked link of "
            f"their own, so its scans are counted apart (default: {services.PLACEMENT}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = campaign_arg(options["campaign"])
        if options["size"]:
            try:
                services.parse_size(options["size"])
            except ValidationError as error:
                raise UsageError(f"--size {options['size']}: {error.messages[0]}") from None
        out = Path(options["out"] or Path(settings.BUILD_ROOT) / "posters" / campaign.slug)
        out.mkdir(parents=True, exist_ok=True)
        rows = []
        placement = _placement(options["placement"])
        for n in progress(list(campaign.neighbourhoods.order_by("slug")), description="Posters"):
            try:
                poster = services.poster_render(
                    campaign=campaign,
                    neighbourhood_id=n.pk,
                    language=options["lang"],
                    size=options["size"] or None,
                    placement=placement,
                )
            except LinkError as error:
                raise UsageError(f"{n.slug}: the QR code's link cannot be made: {error}") from None
            suffix = "" if placement == services.PLACEMENT else f"-{placement}"
            path = out / f"{n.slug}-{options['lang']}-{poster.size_label}{suffix}.pdf"
            path.write_bytes(poster.pdf)
            rows.append(
                {
                    "neighbourhood": n.slug,
                    "language": options["lang"],
                    "size": poster.size_label,
                    "path": str(path),
                    "placement": placement,
                    "url": poster.url,
                    "warnings": poster.warnings,
                }
            )
        if options["format"] == "json":
            self.emit_json(rows)
            return
        self.emit_table(
            columns=("neighbourhood", "size", "file", "warnings"),
            rows=[
                (r["neighbourhood"], r["size"], r["path"], "; ".join(r["warnings"]) or "-")
                for r in rows
            ],
        )


def _placement(value: str) -> str:
    """A placement name as it goes into a file name and the link's record."""
    placement = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", placement):
        raise UsageError(
            f"--placement {value!r}: use letters, digits, '-', '_' or '.' (at most 100), "
            "e.g. tram-12"
        )
    return placement
