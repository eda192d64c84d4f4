"""Writes for places: imports (all or nothing), tours and their stops, playlists and tracks.

Every change made by a person records an audit event in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.lib.names import name_as_written
from quartieri.places import geo, importers, walkgraph
from quartieri.places.links import validate_link
from quartieri.places.models import (
    Neighbourhood,
    Playlist,
    PointOfInterest,
    Tour,
    TourStop,
    Track,
    WalkingGraph,
)

# A landmark that duplicates a layer's place (same name, within this distance) enriches it.
LANDMARK_MATCH_M = 75.0


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated


# --- Imports ------------------------------------------------------------------------------


@transaction.atomic
def neighbourhood_import(
    *, path: Path, id_field: str, name_field: str, city: str, source: str = "", licence: str = ""
) -> ImportResult:
    """Import boundaries from GeoJSON. Raises GeoDataError before writing anything."""
    rows = importers.read_neighbourhoods(path, id_field=id_field, name_field=name_field, city=city)
    created = updated = 0
    for row in rows:
        written = name_as_written(row.name)  # "Isola", where the register writes "ISOLA"
        defaults: dict[str, Any] = {
            "slug": row.slug,
            "geometry": row.geometry,
            "centroid_lat": row.centroid_lat,
            "centroid_lon": row.centroid_lon,
            "area_m2": row.area_m2,
            "source": source or path.name,
        }
        if licence:
            defaults["licence"] = licence
        obj, was_created = Neighbourhood.objects.get_or_create(
            city=city,
            code=row.code,
            defaults={**defaults, "name_it": written, "name_en": written},
        )
        if was_created:
            created += 1
            continue
        changed = [k for k, v in defaults.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, defaults[k])
            obj.save(update_fields=changed)
            updated += 1
    if created or updated:
        audit_record(
            actor=None,
            action="places.neighbourhoods_imported",
            target_label=f"{city}: {path.name}",
            after={"created": created, "updated": updated, "features": len(rows)},
        )
    return ImportResult(created, updated)


def _neighbourhood_index(city: str | None = None) -> geo.PolygonIndex | None:
    from shapely.geometry import shape

    qs = Neighbourhood.objects.all()
    if city:
        qs = qs.filter(city=city)
    items = [(n.pk, shape(n.geometry)) for n in qs.only("pk", "geometry")]
    return geo.PolygonIndex(items) if items else None


def _hint_neighbourhood(hint: str) -> int | None:
    if not hint:
        return None
    match = Neighbourhood.objects.filter(name_it__icontains=hint).order_by("pk").first()
    return match.pk if match else None


@transaction.atomic
def poi_import_rows(*, rows: Sequence[importers.PoiRow], label: str) -> ImportResult:
    """Upsert POIs by (source, source_record); neighbourhood by point in polygon."""
    index = _neighbourhood_index()
    existing = {
        (p.source, p.source_record): p
        for p in PointOfInterest.objects.filter(source__in={r.source for r in rows})
    }
    to_create: list[PointOfInterest] = []
    to_update: list[PointOfInterest] = []
    fields = ["category", "name_it", "lat", "lon", "address", "wheelchair", "licence"]
    fields += ["attribution", "neighbourhood_id", "extra"]
    for row in rows:
        nid = None
        if row.lon is not None and row.lat is not None and index is not None:
            nid = index.find(row.lon, row.lat)
        if nid is None:
            nid = _hint_neighbourhood(row.neighbourhood_hint)
        values: dict[str, Any] = {
            "category": row.category,
            "name_it": row.name[:300],
            "lat": row.lat,
            "lon": row.lon,
            "address": row.address[:300],
            "wheelchair": row.wheelchair,
            "licence": row.licence,
            "attribution": row.attribution,
            "neighbourhood_id": nid,
            "extra": row.extra,
        }
        current = existing.get((row.source, row.source_record))
        if current is None:
            poi = PointOfInterest(
                source=row.source,
                source_record=row.source_record[:300],
                name_en=row.name[:300],
                description_it=row.description,
                **values,
            )
            to_create.append(poi)
            existing[(row.source, row.source_record)] = poi
            continue
        if "landmark" in current.extra:  # added by landmark_import: keep it
            values["extra"] = {**row.extra, "landmark": current.extra["landmark"]}
        if current.location_set_by_staff:
            values.pop("lat")
            values.pop("lon")
            values.pop("neighbourhood_id")
        if any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
    PointOfInterest.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        PointOfInterest.objects.bulk_update(to_update, fields, batch_size=500)
    if to_create or to_update:
        audit_record(
            actor=None,
            action="places.pois_imported",
            target_label=label,
            after={"created": len(to_create), "updated": len(to_update)},
        )
    return ImportResult(len(to_create), len(to_update))


def _base_name(name: str) -> str:
    return re.sub(r"\s*\(.*$", "", name).strip().casefold()


@transaction.atomic
def landmark_import(*, path: Path) -> ImportResult:
    """Import a landmark list. A landmark naming a place already imported from a layer
    (same name, within LANDMARK_MATCH_M) enriches that place instead of duplicating it."""
    rows = importers.read_landmarks(path)
    merged = 0
    fresh: list[importers.PoiRow] = []
    for row in rows:
        match = _match_existing(row)
        if match is None:
            fresh.append(row)
            continue
        extra = {**match.extra, "landmark": row.extra}
        if match.extra != extra:
            match.extra = extra
            match.save(update_fields=["extra"])
            merged += 1
    result = poi_import_rows(rows=fresh, label=path.name)
    return ImportResult(result.created, result.updated + merged, skipped=0)


def _match_existing(row: importers.PoiRow) -> PointOfInterest | None:
    if row.lon is None or row.lat is None:
        return None
    base = _base_name(row.name)
    delta = 0.002  # about 160-220 m at mid latitudes: a coarse box before the exact test
    candidates = PointOfInterest.objects.exclude(source="landmarks").filter(
        lat__range=(row.lat - delta, row.lat + delta), lon__range=(row.lon - delta, row.lon + delta)
    )
    for poi in candidates:
        other = _base_name(poi.name_it)
        if not other or not (base in other or other in base) or poi.lon is None or poi.lat is None:
            continue
        if geo.haversine_m(row.lon, row.lat, poi.lon, poi.lat) <= LANDMARK_MATCH_M:
            return poi
    return None


@transaction.atomic
def walking_graph_import(*, path: Path, name: str = "") -> WalkingGraph:
    data = walkgraph.graph_from_osm_xml(path)
    graph = WalkingGraph.objects.create(
        name=name or path.name,
        nodes=data.nodes,
        edges=data.edges,
        node_count=len(data.nodes),
        edge_count=len(data.edges),
    )
    audit_record(
        actor=None,
        action="places.walking_graph_imported",
        target=graph,
        after={"nodes": graph.node_count, "edges": graph.edge_count},
    )
    return graph


@transaction.atomic
def neighbourhood_update(
    *, actor: User | None, neighbourhood: Neighbourhood, **fields: str
) -> Neighbourhood:
    """Names and descriptions only: the boundary, centroid and area come from the import."""
    allowed = {"name_it", "name_en", "description_it", "description_en"}
    if set(fields) - allowed:
        raise ValueError(f"neighbourhood_update cannot change {sorted(set(fields) - allowed)}")
    if all(getattr(neighbourhood, k) == v for k, v in fields.items()):
        return neighbourhood
    before = audit_snapshot(obj=neighbourhood, fields=sorted(allowed))
    for key, value in fields.items():
        setattr(neighbourhood, key, value)
    neighbourhood.save()
    audit_record(
        actor=actor, action="places.neighbourhood_updated", target=neighbourhood, before=before,
        after=audit_snapshot(obj=neighbourhood, fields=sorted(allowed)),
    )  # fmt: skip
    return neighbourhood


# --- Points of interest -------------------------------------------------------------------


def _check_lonlat(lon: float, lat: float) -> None:
    if not geo.is_wgs84(lon, lat):
        raise ValidationError(_("Longitude must be within -180..180 and latitude within -90..90."))


@transaction.atomic
def poi_set_location(*, actor: User, poi: PointOfInterest, lon: float, lat: float) -> None:
    """Staff place a POI that the data left without a coordinate (or correct one)."""
    _check_lonlat(lon, lat)
    before = audit_snapshot(obj=poi)
    index = _neighbourhood_index()
    poi.lon, poi.lat = round(lon, 7), round(lat, 7)
    poi.location_set_by_staff = True
    found = index.find(lon, lat) if index else None
    if found is not None:
        poi.neighbourhood_id = found
    poi.save()
    audit_record(
        actor=actor, action="places.poi_located", target=poi, before=before,
        after=audit_snapshot(obj=poi),
    )  # fmt: skip


# --- Tours --------------------------------------------------------------------------------


def _unique_slug(model: type[Tour] | type[Playlist], text: str) -> str:
    base = slugify(text)[:100] or "item"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def tour_create(
    *,
    actor: User | None,
    neighbourhood: Neighbourhood,
    title_it: str,
    theme: str,
    title_en: str = "",
    description_it: str = "",
    description_en: str = "",
    languages: Sequence[str] = ("it", "en"),
    start: PointOfInterest | None = None,
    end: PointOfInterest | None = None,
    slug: str = "",
) -> Tour:
    tour = Tour.objects.create(
        neighbourhood=neighbourhood,
        slug=slug or _unique_slug(Tour, title_it),
        title_it=title_it,
        title_en=title_en,
        description_it=description_it,
        description_en=description_en,
        theme=theme,
        languages=list(languages),
        start=start,
        end=end,
    )
    audit_record(
        actor=actor, action="places.tour_created", target=tour, after=audit_snapshot(obj=tour)
    )
    return tour


@transaction.atomic
def tour_update(*, actor: User, tour: Tour, **fields: Any) -> Tour:
    allowed = {"title_it", "title_en", "description_it", "description_en", "theme", "languages"}
    allowed |= {"start", "end", "neighbourhood"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"tour_update cannot change {sorted(unknown)}")
    before = audit_snapshot(obj=tour)
    for key, value in fields.items():
        setattr(tour, key, value)
    tour.save()
    audit_record(
        actor=actor, action="places.tour_updated", target=tour, before=before,
        after=audit_snapshot(obj=tour),
    )  # fmt: skip
    return tour


def _stop_positions(tour: Tour) -> list[int]:
    return list(tour.stops.order_by("position", "pk").values_list("pk", flat=True))


def _renumber(tour: Tour, ids: Sequence[int]) -> None:
    stops = {s.pk: s for s in tour.stops.all()}
    for pos, pk in enumerate(ids):
        stop = stops[pk]
        if stop.position != pos:
            stop.position = pos
            stop.save(update_fields=["position"])


@transaction.atomic
def tour_stop_add(
    *,
    actor: User | None,
    tour: Tour,
    poi: PointOfInterest,
    text_it: str = "",
    text_en: str = "",
    minutes: int = 10,
) -> TourStop:
    if poi.needs_location:
        raise ValidationError(
            _("%(name)s has no location yet: place it on the map before adding it to a tour.")
            % {"name": poi.name_it}
        )
    stop = TourStop.objects.create(
        tour=tour, poi=poi, position=tour.stops.count(), text_it=text_it, text_en=text_en,
        minutes=minutes,
    )  # fmt: skip
    audit_record(
        actor=actor, action="places.tour_stop_added", target=tour,
        after={"stop": stop.pk, "poi": poi.pk, "position": stop.position},
    )  # fmt: skip
    return stop


@transaction.atomic
def tour_stop_update(
    *, actor: User, stop: TourStop, text_it: str, text_en: str, minutes: int
) -> TourStop:
    before = audit_snapshot(obj=stop)
    stop.text_it, stop.text_en, stop.minutes = text_it, text_en, minutes
    stop.save()
    audit_record(
        actor=actor, action="places.tour_stop_updated", target=stop.tour, before=before,
        after=audit_snapshot(obj=stop),
    )  # fmt: skip
    return stop


@transaction.atomic
def tour_stop_remove(*, actor: User, stop: TourStop) -> None:
    tour = stop.tour
    before = {"order": _stop_positions(tour)}
    stop.delete()
    ids = _stop_positions(tour)
    _renumber(tour, ids)
    audit_record(
        actor=actor, action="places.tour_stop_removed", target=tour, before=before,
        after={"order": ids},
    )  # fmt: skip


@transaction.atomic
def tour_stop_move(*, actor: User, stop: TourStop, offset: int) -> None:
    """Move a stop up (-1) or down (+1); at either end nothing changes."""
    tour = stop.tour
    ids = _stop_positions(tour)
    i = ids.index(stop.pk)
    j = i + offset
    if not 0 <= j < len(ids):
        return
    new = list(ids)
    new[i], new[j] = new[j], new[i]
    tour_reorder(actor=actor, tour=tour, stop_ids=new)


@transaction.atomic
def tour_reorder(*, actor: User | None, tour: Tour, stop_ids: Sequence[int]) -> None:
    ids = _stop_positions(tour)
    if sorted(ids) != sorted(stop_ids):
        raise ValidationError(_("The new order must list every stop of the tour exactly once."))
    _renumber(tour, stop_ids)
    audit_record(
        actor=actor, action="places.tour_reordered", target=tour, before={"order": ids},
        after={"order": list(stop_ids)},
    )  # fmt: skip


# --- Playlists ----------------------------------------------------------------------------


@transaction.atomic
def playlist_create(
    *,
    actor: User | None,
    neighbourhood: Neighbourhood,
    title: str,
    description: str = "",
    curator: str = "",
    slug: str = "",
) -> Playlist:
    playlist = Playlist.objects.create(
        neighbourhood=neighbourhood,
        slug=slug or _unique_slug(Playlist, title),
        title=title,
        description=description,
        curator=curator,
    )
    audit_record(
        actor=actor, action="places.playlist_created", target=playlist,
        after=audit_snapshot(obj=playlist),
    )  # fmt: skip
    return playlist


@transaction.atomic
def playlist_update(
    *, actor: User, playlist: Playlist, title: str, description: str, curator: str
) -> Playlist:
    before = audit_snapshot(obj=playlist)
    playlist.title, playlist.description, playlist.curator = title, description, curator
    playlist.save()
    audit_record(
        actor=actor, action="places.playlist_updated", target=playlist, before=before,
        after=audit_snapshot(obj=playlist),
    )  # fmt: skip
    return playlist


def clean_track_links(
    *, spotify_url: str = "", apple_music_url: str = "", youtube_url: str = ""
) -> dict[str, str]:
    """Validate every link; one ValidationError listing each refused link and why."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, str] = {}
    for field, kind, value in (
        ("spotify_url", "spotify", spotify_url),
        ("apple_music_url", "apple_music", apple_music_url),
        ("youtube_url", "youtube", youtube_url),
    ):
        try:
            cleaned[field] = validate_link(kind, value)
        except ValidationError as exc:
            errors[field] = [exc]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def track_add(
    *,
    actor: User | None,
    playlist: Playlist,
    artist: str,
    title: str = "",
    duration_seconds: int | None = None,
    spotify_url: str = "",
    apple_music_url: str = "",
    youtube_url: str = "",
    note: str = "",
) -> Track:
    links = clean_track_links(
        spotify_url=spotify_url, apple_music_url=apple_music_url, youtube_url=youtube_url
    )
    if not artist.strip():
        raise ValidationError({"artist": [ValidationError(_("A track needs an artist."))]})
    track = Track.objects.create(
        playlist=playlist,
        position=playlist.tracks.count(),
        title=title.strip(),
        artist=artist.strip(),
        duration_seconds=duration_seconds,
        note=note,
        **links,
    )
    audit_record(
        actor=actor, action="places.track_added", target=playlist, after=audit_snapshot(obj=track)
    )
    return track


@transaction.atomic
def track_remove(*, actor: User, track: Track) -> None:
    playlist = track.playlist
    before = audit_snapshot(obj=track)
    track.delete()
    for pos, t in enumerate(playlist.tracks.order_by("position", "pk")):
        if t.position != pos:
            t.position = pos
            t.save(update_fields=["position"])
    audit_record(actor=actor, action="places.track_removed", target=playlist, before=before)


@transaction.atomic
def track_move(*, actor: User, track: Track, offset: int) -> None:
    playlist = track.playlist
    tracks = list(playlist.tracks.order_by("position", "pk"))
    i = [t.pk for t in tracks].index(track.pk)
    j = i + offset
    if not 0 <= j < len(tracks):
        return
    tracks[i], tracks[j] = tracks[j], tracks[i]
    for pos, t in enumerate(tracks):
        if t.position != pos:
            t.position = pos
            t.save(update_fields=["position"])
    audit_record(
        actor=actor, action="places.track_moved", target=playlist,
        after={"order": [t.pk for t in tracks]},
    )  # fmt: skip


@transaction.atomic
def playlist_mark_pushed(*, actor: User | None, playlist: Playlist, url: str) -> None:
    before = audit_snapshot(obj=playlist)
    playlist.spotify_url = url
    playlist.save(update_fields=["spotify_url", "updated_at"])
    audit_record(
        actor=actor, action="places.playlist_pushed", target=playlist, before=before,
        after=audit_snapshot(obj=playlist),
    )  # fmt: skip
