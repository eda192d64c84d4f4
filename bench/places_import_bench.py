"""Benchmark: import the 88 NIL and every shipped POI layer, against a plain loop.

    .venv/bin/python bench/places_import_bench.py

Measured in the same run on a fresh SQLite database in a temporary folder:
- quartieri: ``services.neighbourhood_import`` + ``read_layer``/``poi_import_rows`` for every
  layer in ``MILAN_LAYERS`` + both landmark files (validation, centroid, area, point in
  polygon, upsert in one transaction per file);
- baseline: ``json.load`` + ``shapely.shape`` + validity + centroid + STR-tree point in
  polygon for the same files, writing nothing.
Peak memory is Python's allocations (tracemalloc) during each part.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["QUARTIERI_DATA_DIR"] = tempfile.mkdtemp(prefix="places-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from shapely import STRtree  # noqa: E402
from shapely.geometry import Point, shape  # noqa: E402

from quartieri.places import importers, services  # noqa: E402
from quartieri.places.models import Neighbourhood, PointOfInterest  # noqa: E402

DATA = ROOT / "data"
NIL = DATA / "boundaries" / "nil_ds964_pgt2030.geojson"
LANDMARKS = [DATA / "landmarks" / "landmarks_seed.csv", DATA / "osm" / "landmarks_seed_odbl.csv"]


def timed(fn: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def peak_mb(fn: Callable[[], int]) -> float:
    # tracemalloc slows Python down several times: memory is measured in a separate pass.
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def quartieri_import() -> int:
    services.neighbourhood_import(path=NIL, id_field="ID_NIL", name_field="NIL", city="Milano")
    for spec in importers.MILAN_LAYERS:
        rows = importers.read_layer(spec, DATA / spec.filename)
        services.poi_import_rows(rows=rows, label=spec.filename)
    for path in LANDMARKS:
        services.landmark_import(path=path)
    return PointOfInterest.objects.count()


def baseline() -> int:
    nil = json.loads(NIL.read_text(encoding="utf-8"))
    polys = []
    for f in nil["features"]:
        g = shape(f["geometry"])
        if not g.is_valid or g.is_empty:
            raise ValueError(f["properties"]["ID_NIL"])
        g.centroid  # noqa: B018
        polys.append(g)
    tree = STRtree(polys)
    count = 0
    for spec in importers.MILAN_LAYERS:
        path = DATA / spec.filename
        if path.suffix == ".csv":
            with path.open(encoding="utf-8") as handle:
                points = [
                    Point(float(r[spec.lon_field]), float(r[spec.lat_field]))
                    for r in csv.DictReader(handle, delimiter=spec.delimiter)
                ]
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
            points = []
            for f in data["features"]:
                g = shape(f["geometry"])
                points.append(g if g.geom_type == "Point" else g.representative_point())
        for p in points:
            tree.query(p, predicate="intersects")
            count += 1
    return count


def main() -> None:
    call_command("migrate", verbosity=0)
    count, q_time = timed(quartieri_import)
    b_count, b_time = timed(baseline)
    _, q2_time = timed(quartieri_import)  # the idempotent path: nothing to change
    call_command("flush", interactive=False, verbosity=0)
    q_peak = peak_mb(quartieri_import)
    b_peak = peak_mb(baseline)
    print(f"neighbourhoods: {Neighbourhood.objects.count()}, places stored: {count}, "
          f"features read by the baseline: {b_count}")  # fmt: skip
    print(f"quartieri import (validate + store): {q_time:6.2f} s, peak {q_peak:6.1f} MB")
    print(f"quartieri re-import (no changes):    {q2_time:6.2f} s")
    print(
        f"baseline json.load + shapely loop:   {b_time:6.2f} s, peak {b_peak:6.1f} MB (writes nothing)"
    )


if __name__ == "__main__":
    main()
