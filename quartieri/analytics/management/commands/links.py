from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from quartieri.analytics.links import (
    LinkError,
    link_delete,
    link_get_or_create,
    link_spec,
    short_url,
)
from quartieri.analytics.qr import FORMATS, qr_code
from quartieri.analytics.reports import link_stats
from quartieri.analytics.tracking import Link
from quartieri.lib.commands import QuartieriCommand, UsageError


class Command(QuartieriCommand):
    help = (
        "Tracked short links. 'create' makes (or finds) the link /l/<code> to a target on "
        "this platform, its sites or an allowed domain; 'stats' prints each link's clicks "
        "(bots apart); 'qr' writes its QR code; 'delete' stops it (404 within seconds)."
    )
    output_formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create", help="make a link (the same arguments give the same link)"
        )
        create.add_argument("--target", required=True, help="URL, or /path on this platform")
        create.add_argument("--channel", default="", help="channel slug: posters, newsletter…")
        create.add_argument("--neighbourhood", default=None, help="neighbourhood slug")
        create.add_argument("--campaign", default=None, help="campaign slug")
        create.add_argument("--placement", default="", help="where it is placed (free text)")
        stats = actions.add_parser("stats", help="clicks of every link, or of one")
        stats.add_argument("code", nargs="?", help="one link's code")
        qr = actions.add_parser("qr", help="write a link's QR code")
        qr.add_argument("code")
        qr.add_argument("--kind", choices=sorted(FORMATS), default="svg")
        qr.add_argument("--output", required=True, help="file to write")
        delete = actions.add_parser("delete", help="stop a link")
        delete.add_argument("code")
        for sub in (create, stats, qr, delete):
            sub.add_argument("--format", choices=list(self.output_formats), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        try:
            spec = link_spec(
                target=options["target"],
                channel=options["channel"],
                neighbourhood=options["neighbourhood"],
                campaign=options["campaign"],
                placement=options["placement"],
            )
            link, _created = link_get_or_create(spec=spec)
        except LinkError as error:
            raise UsageError(f"create: target refused: {error}") from None
        row = {"code": link.code, "url": short_url(link), "target": link.target}
        if options["format"] == "json":
            self.emit_json(row)
        else:
            self.emit_table(columns=list(row), rows=[list(row.values())])

    def _stats(self, options: dict[str, Any]) -> None:
        code = options["code"]
        if code and not Link.objects.filter(code=code).exists():
            raise UsageError(f"stats: no link has the code {code!r}")
        rows = link_stats(code=code)
        if options["format"] == "json":
            self.emit_json(rows)
            return
        columns = ["code", "channel", "clicks", "bots", "deleted", "target"]
        self.emit_table(columns=columns, rows=[[row[c] for c in columns] for row in rows])

    def _qr(self, options: dict[str, Any]) -> None:
        link = self._link(options["code"])
        path = Path(options["output"])
        path.write_bytes(qr_code(url=short_url(link), kind=options["kind"]))
        self.stdout.write(str(path))

    def _delete(self, options: dict[str, Any]) -> None:
        link_delete(actor=None, link=self._link(options["code"]))
        self.stdout.write(f"{options['code']}: deleted")

    def _link(self, code: str) -> Link:
        link = Link.objects.filter(code=code).first()
        if link is None:
            raise UsageError(f"no link has the code {code!r}")
        return link
