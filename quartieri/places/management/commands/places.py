"""`quartieri places <sub-command>`: import neighbourhoods, POI layers, landmarks and a
walking graph. Every import validates the whole file first and writes all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.db import transaction

from quartieri.lib.commands import QuartieriCommand, UsageError, progress
from quartieri.places import geo, importers, services, walkgraph
from quartieri.places.models import Category, Licence

DATA_ROOT = settings.BASE_DIR / "data"


class Command(QuartieriCommand):
    help = "Places: import neighbourhood boundaries, points of interest and a walking graph."
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        nb = sub.add_parser("import-neighbourhoods", help="Boundaries from a GeoJSON file.")
        nb.add_argument("file", type=Path)
        nb.add_argument("--id-field", required=True, help="Property with the official id.")
        nb.add_argument("--name-field", required=True, help="Property with the name.")
        nb.add_argument("--city", default="Milano", help="The Comune (default Milano).")
        nb.add_argument("--source", default="", help="Dataset name shown as the source.")
        pois = sub.add_parser("import-pois", help="One point layer from GeoJSON or CSV.")
        pois.add_argument("file", type=Path)
        pois.add_argument("--category", required=True, choices=list(Category.values))
        pois.add_argument("--id-field", required=True)
        pois.add_argument("--name-field", required=True)
        pois.add_argument("--source", required=True, help="Short dataset key, e.g. ds89.")
        pois.add_argument("--licence", required=True, choices=list(Licence.values))
        pois.add_argument("--attribution", default="")
        pois.add_argument("--lon-field", default="lon")
        pois.add_argument("--lat-field", default="lat")
        pois.add_argument("--delimiter", default=",")
        layers = sub.add_parser(
            "import-milan-layers", help="Every Milan POI/transport layer shipped in data/."
        )
        layers.add_argument("--data-dir", type=Path, default=DATA_ROOT)
        marks = sub.add_parser("import-landmarks", help="A landmark list (CSV).")
        marks.add_argument("file", type=Path)
        walk = sub.add_parser("import-walking-graph", help="A walking graph from OSM XML.")
        walk.add_argument("file", type=Path)
        walk.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "import-neighbourhoods":
                result = services.neighbourhood_import(
                    path=options["file"],
                    id_field=options["id_field"],
                    name_field=options["name_field"],
                    city=options["city"],
                    source=options["source"],
                )
                self._report(options, [(str(options["file"]), result)])
            elif action == "import-pois":
                rows = importers.read_poi_file(
                    options["file"],
                    category=options["category"],
                    licence=options["licence"],
                    attribution=options["attribution"],
                    id_field=options["id_field"],
                    name_field=options["name_field"],
                    source=options["source"],
                    lon_field=options["lon_field"],
                    lat_field=options["lat_field"],
                    delimiter=options["delimiter"],
                )
                result = services.poi_import_rows(rows=rows, label=options["file"].name)
                self._report(options, [(str(options["file"]), result)])
            elif action == "import-milan-layers":
                self._report(options, self._import_layers(options["data_dir"]))
            elif action == "import-landmarks":
                result = services.landmark_import(path=options["file"])
                self._report(options, [(str(options["file"]), result)])
            elif action == "import-walking-graph":
                graph = services.walking_graph_import(path=options["file"], name=options["name"])
                self._report(
                    options,
                    [
                        (
                            str(options["file"]),
                            services.ImportResult(graph.node_count, graph.edge_count),
                        )
                    ],
                    columns=("file", "nodes", "edges"),
                )
        except (geo.GeoDataError, walkgraph.WalkingGraphError) as exc:
            raise UsageError(f"{exc} (nothing was written)") from None

    def _import_layers(self, data_dir: Path) -> list[tuple[str, services.ImportResult]]:
        # Every layer is read and checked before the first is written, so a bad file in
        # the list leaves the database as it was ("nothing was written" holds).
        layers = []
        for spec in progress(importers.MILAN_LAYERS, description="POI layers"):
            try:
                layers.append((spec.filename, importers.read_layer(spec, data_dir / spec.filename)))
            except geo.GeoDataError as exc:
                raise geo.GeoDataError(f"{spec.filename}: {exc}") from None
        with transaction.atomic():
            return [
                (name, services.poi_import_rows(rows=rows, label=name)) for name, rows in layers
            ]

    def _report(
        self,
        options: dict[str, Any],
        results: list[tuple[str, services.ImportResult]],
        columns: tuple[str, str, str] = ("file", "created", "updated"),
    ) -> None:
        if options["format"] == "json":
            self.emit_json(
                [{columns[0]: f, columns[1]: r.created, columns[2]: r.updated} for f, r in results]
            )
            return
        self.emit_table(columns=columns, rows=[(f, r.created, r.updated) for f, r in results])
