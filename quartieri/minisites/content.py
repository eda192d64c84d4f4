"""Everything a build needs, read in a few queries and turned into plain frozen records.

The builder renders thousands of pages; it must not query per page. ``site_content`` reads
the campaign's neighbourhoods, tours with their stops, playlists with their tracks, events,
images, website entries and released posters in about a dozen queries, plans every tour
(``places.selectors.tour_plan`` with the stops and walking network given), and returns
records that the templates read without touching the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.db.models import Prefetch, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from shapely.geometry.base import BaseGeometry

from quartieri.campaigns.models import Campaign, MediaAsset
from quartieri.lib import svgmap
from quartieri.minisites import kind
from quartieri.minisites.models import Event, StopPhoto
from quartieri.places import documents, selectors
from quartieri.places.models import (
    Neighbourhood,
    Playlist,
    PointOfInterest,
    Tour,
    TourStop,
    Track,
)
from quartieri.posters.kind import poster_releases


@dataclass(frozen=True)
class Localised:
    """A text in Italian and English; either may be blank (the other is shown, marked)."""

    it: str
    en: str


@dataclass(frozen=True)
class Photo:
    name: str  # the stored file name (unique: uploads get random names)
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class Point:
    kind: str  # start | stop | end
    number: int  # stop number, 0 for start and end
    name: Localised
    text: Localised
    address: str
    wheelchair: str  # yes | limited | no | "" (not known)
    minutes: int
    arrive: int  # minutes from the start
    leg_m: int | None  # walking distance from the previous point
    leg_minutes: int | None
    outside: bool
    lines: str  # public transport lines, for start and end
    lon: float
    lat: float
    photos: tuple[Photo, ...] = ()


@dataclass(frozen=True)
class TourView:
    slug: str
    title: Localised
    description: Localised
    theme: str
    points: tuple[Point, ...]
    distance_m: int
    walking_minutes: int
    total_minutes: int
    step_free: bool | None
    method: str  # places.selectors.METHOD_GRAPH | METHOD_ESTIMATE
    detour_factor: float
    speed_kmh: float
    map: svgmap.StaticMap
    path: tuple[tuple[float, float], ...]  # the walking route, for GPX and GeoJSON
    method_label: str
    photos: tuple[Photo, ...]
    attributions: tuple[str, ...]

    @property
    def start(self) -> Point | None:
        return next((p for p in self.points if p.kind == "start"), None)

    @property
    def end(self) -> Point | None:
        return next((p for p in self.points if p.kind == "end"), None)

    @property
    def stops(self) -> list[Point]:
        return [p for p in self.points if p.kind == "stop"]


@dataclass(frozen=True)
class TrackView:
    title: str
    artist: str
    duration_seconds: int | None
    links: tuple[tuple[str, str], ...]  # (service, url)
    note: str


@dataclass(frozen=True)
class PlaylistView:
    slug: str
    title: str
    description: str
    curator: str
    spotify_url: str
    tracks: tuple[TrackView, ...]


@dataclass(frozen=True)
class EventView:
    title: Localised
    description: Localised
    first_day: dt.date
    last_day: dt.date | None
    precision: str
    start_time: dt.time | None
    place: Localised
    address: str
    capacity: int | None
    note: Localised


@dataclass(frozen=True)
class NeighbourhoodView:
    pk: int
    slug: str
    code: str
    city: str
    name: Localised
    description: Localised
    map: svgmap.StaticMap
    tours: tuple[TourView, ...]
    playlists: tuple[PlaylistView, ...]
    events: tuple[EventView, ...]
    entries: tuple[kind.FeedEntry, ...]
    photos: tuple[Photo, ...]
    attributions: tuple[str, ...]
    released_by: int | None  # the website variant that put the site live
    poster_released_by: int | None  # the posters variant that released its poster


@dataclass(frozen=True)
class SiteContent:
    campaign_slug: str
    campaign_name: str
    campaign_start: dt.date
    neighbourhoods: tuple[NeighbourhoodView, ...]
    entries: tuple[kind.FeedEntry, ...]
    all_names: tuple[tuple[str, Localised], ...] = field(default=())  # (slug, name) of every site
    left_out: tuple[str, ...] = ()  # slugs of the sites not released, not read (released_only)


def _photos(assets: Iterable[MediaAsset]) -> tuple[Photo, ...]:
    return tuple(
        Photo(a.file.name or "", a.alt_text, a.width or 0, a.height or 0)
        for a in assets
        if a.width and a.height
    )


def _point(row: dict[str, Any], photos: dict[int, tuple[Photo, ...]]) -> Point:
    plan_point: selectors.PlanPoint = row["point"]
    poi, stop, leg = plan_point.poi, plan_point.stop, row["leg"]
    return Point(
        kind=plan_point.kind,
        number=row["number"] if plan_point.kind == "stop" else 0,
        name=Localised(poi.name_it, poi.name_en),
        text=Localised(stop.text_it, stop.text_en) if stop else Localised("", ""),
        address=poi.address,
        wheelchair=poi.wheelchair,
        minutes=plan_point.minutes,
        arrive=row["arrive"],
        leg_m=round(leg.distance_m) if leg else None,
        leg_minutes=round(leg.minutes) if leg else None,
        outside=plan_point.outside,
        lines=str(poi.extra.get("linee", "")) if poi.extra else "",
        lon=float(poi.lon or 0),
        lat=float(poi.lat or 0),
        photos=photos.get(stop.pk, ()) if stop else (),
    )


def _tour(
    tour: Tour,
    *,
    walking: selectors.Network,
    photos: tuple[Photo, ...],
    boundary: BaseGeometry,
    rings: svgmap.Rings,
    stop_photos: dict[int, tuple[Photo, ...]],
) -> TourView:
    stops: list[TourStop] = list(tour.stops.all())
    plan = selectors.tour_plan(tour=tour, stops=stops, walking=walking, boundary=boundary)
    points = tuple(_point(row, stop_photos) for row in plan.rows())
    return TourView(
        slug=tour.slug,
        title=Localised(tour.title_it, tour.title_en),
        description=Localised(tour.description_it, tour.description_en),
        theme=tour.theme,
        points=points,
        distance_m=round(plan.distance_m),
        walking_minutes=round(plan.walking_minutes),
        total_minutes=round(plan.total_minutes),
        step_free=plan.step_free,
        method=plan.method,
        detour_factor=plan.detour_factor,
        speed_kmh=plan.speed_kmh,
        map=svgmap.route_map(
            rings=rings,
            path=plan.path,
            stops=[
                (str(p.number or ("A" if p.kind == "start" else "B")), p.lon, p.lat) for p in points
            ],
        ),
        path=tuple(plan.path),
        method_label=documents.method_label(plan),
        photos=photos,
        attributions=tuple(documents.tour_attribution(plan).split("; ")),
    )


def _playlist(playlist: Playlist) -> PlaylistView:
    tracks: list[Track] = list(playlist.tracks.all())
    return PlaylistView(
        slug=playlist.slug,
        title=playlist.title,
        description=playlist.description,
        curator=playlist.curator,
        spotify_url=playlist.spotify_url,
        tracks=tuple(
            TrackView(
                title=t.title,
                artist=t.artist,
                duration_seconds=t.duration_seconds,
                links=tuple(
                    (service, url)
                    for service, url in (
                        ("Spotify", t.spotify_url),
                        ("Apple Music", t.apple_music_url),
                        ("YouTube", t.youtube_url),
                    )
                    if url
                ),
                note=t.note,
            )
            for t in tracks
        ),
    )


def _event(event: Event) -> EventView:
    place: PointOfInterest | None = event.place
    return EventView(
        title=Localised(event.title_it, event.title_en),
        description=Localised(event.description_it, event.description_en),
        first_day=event.first_day,
        last_day=event.last_day,
        precision=event.precision,
        start_time=event.start_time,
        place=Localised(place.name_it, place.name_en) if place else Localised(event.place_name, ""),
        address=place.address if place else "",
        capacity=event.capacity,
        note=Localised(event.note_it, event.note_en),
    )


def _grouped[T](items: Iterable[T], key: str) -> dict[Any, list[T]]:
    out: dict[Any, list[T]] = defaultdict(list)
    for item in items:
        out[getattr(item, key)].append(item)
    return out


def _assets(campaign: Campaign) -> tuple[dict[int, list[MediaAsset]], dict[int, list[MediaAsset]]]:
    """The campaign's images by neighbourhood and by tour of their content item."""
    by_place: dict[int, list[MediaAsset]] = defaultdict(list)
    by_tour: dict[int, list[MediaAsset]] = defaultdict(list)
    assets = MediaAsset.objects.filter(
        content_item__campaign=campaign, kind=MediaAsset.Kind.IMAGE
    ).select_related("content_item")
    for asset in assets.order_by("pk"):
        item = asset.content_item
        if item.tour_id is not None:
            by_tour[item.tour_id].append(asset)
        elif item.neighbourhood_id is not None:
            by_place[item.neighbourhood_id].append(asset)
    return by_place, by_tour


def _stop_photos(neighbourhood_ids: list[int]) -> dict[int, tuple[Photo, ...]]:
    """{stop id: its photos}, for every tour of these neighbourhoods (one query)."""
    rows = (
        StopPhoto.objects.filter(stop__tour__neighbourhood_id__in=neighbourhood_ids)
        .select_related("asset")
        .order_by("stop_id", "added_at", "pk")
    )
    grouped: dict[int, list[MediaAsset]] = defaultdict(list)
    for row in rows:
        grouped[row.stop_id].append(row.asset)
    return {stop: _photos(assets) for stop, assets in grouped.items()}


def _attributions(neighbourhood: Neighbourhood, tours: Iterable[TourView]) -> tuple[str, ...]:
    found = {a for tour in tours for a in tour.attributions if a}
    if neighbourhood.source:
        found.add(f"{neighbourhood.source} ({neighbourhood.get_licence_display()})")
    return tuple(sorted(found))


def site_content(
    *,
    campaign: Campaign,
    now: dt.datetime | None = None,
    released_only: bool = False,
    printed: Collection[int] = (),
) -> SiteContent:
    """Read what the campaign's sites show, in a fixed number of queries. With
    ``released_only`` (a live build) a site not released is only named (``left_out``): its
    tours are not planned nor its maps drawn for pages nobody writes. ``printed``: poster
    variants the running release has printed (``posters.kind.poster_releases``)."""
    now = now or timezone.now()
    entries = kind.feed_entries(campaign=campaign, now=now)
    released = kind.site_releases(entries)
    posters = poster_releases(campaign=campaign, now=now, printed=printed)
    names = list(
        campaign.neighbourhoods.order_by("slug").values_list("pk", "slug", "name_it", "name_en")
    )
    ids = [pk for pk, *_ in names if not released_only or pk in released]
    # The boundary as the database's JSON text, for GEOS to parse: not decoded to Python
    # lists and encoded again (a third of the time spent on boundaries).
    neighbourhoods = list(
        Neighbourhood.objects.filter(pk__in=ids)
        .order_by("slug")
        .defer("geometry")
        .annotate(geometry_text=Cast("geometry", TextField()))
    )
    stops = TourStop.objects.select_related("poi").order_by("position", "pk")
    tours = _grouped(
        Tour.objects.filter(neighbourhood_id__in=ids)
        .select_related("start", "end")
        .prefetch_related(Prefetch("stops", queryset=stops))
        .order_by("slug"),
        "neighbourhood_id",
    )
    playlists = _grouped(
        Playlist.objects.filter(neighbourhood_id__in=ids)
        .prefetch_related(Prefetch("tracks", queryset=Track.objects.order_by("position", "pk")))
        .order_by("slug"),
        "neighbourhood_id",
    )
    events = _grouped(
        Event.objects.filter(campaign=campaign).select_related("place"), "neighbourhood_id"
    )
    by_place, by_tour = _assets(campaign)
    stop_photos = _stop_photos(ids)
    walking = selectors.walking_network()
    views = []
    for n in neighbourhoods:
        # GEOS parses GeoJSON text far faster than shapely's shape() walks nested lists.
        boundary = shapely.from_geojson(n.geometry_text)
        rings = svgmap.rings_of(boundary)
        for t in tours.get(n.pk, []):
            t.neighbourhood = n  # already read: its boundary is not read or parsed again
        tour_views = tuple(
            _tour(
                t,
                walking=walking,
                photos=_photos(by_tour.get(t.pk, [])),
                boundary=boundary,
                rings=rings,
                stop_photos=stop_photos,
            )
            for t in tours.get(n.pk, [])
        )
        # The home map marks every tour's places without numbers: the tours are listed
        # beside it, and each tour page numbers its own stops.
        places = sorted({("", s.lon, s.lat) for t in tour_views for s in t.stops})
        views.append(
            NeighbourhoodView(
                pk=n.pk,
                slug=n.slug,
                code=n.code,
                city=n.city,
                name=Localised(n.name_it, n.name_en),
                description=Localised(n.description_it, n.description_en),
                map=svgmap.route_map(rings=rings, path=(), stops=places),
                tours=tour_views,
                playlists=tuple(_playlist(p) for p in playlists.get(n.pk, [])),
                events=tuple(_event(e) for e in events.get(n.pk, [])),
                entries=tuple(e for e in entries if e.neighbourhood_id == n.pk),
                photos=_photos(by_place.get(n.pk, [])),
                attributions=_attributions(n, tour_views),
                released_by=released.get(n.pk),
                poster_released_by=posters.get(n.pk),
            )
        )
    return SiteContent(
        campaign_slug=campaign.slug,
        campaign_name=campaign.name,
        campaign_start=campaign.start_date,
        neighbourhoods=tuple(views),
        entries=tuple(entries),
        all_names=tuple((slug, Localised(it, en)) for _pk, slug, it, en in names),
        left_out=tuple(slug for pk, slug, *_ in names if pk not in ids),
    )
