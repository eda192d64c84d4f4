"""The Milan 2021 demo: the 88 NIL, the shipped POI layers, and for Baggio (55), Isola (11)
and Chiaravalle (34) two tours each on real places from the data plus one playlist each.

Stops are looked up in the imported data by source and name: a place missing from the data
is left out (and reported), never invented. Texts use only the facts in MISSION.md and the
data's own fields. Idempotent: imports are upserts, tours and playlists are keyed by slug.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from rich.console import Console

from quartieri.places import importers, selectors, services
from quartieri.places.models import Neighbourhood, Playlist, PointOfInterest, Tour

DATA = settings.BASE_DIR / "data"
CITY = "Milano"


@dataclass(frozen=True)
class DemoStop:
    source: str
    name: str
    text_it: str
    text_en: str
    minutes: int = 10


@dataclass(frozen=True)
class DemoTour:
    slug: str
    nil: str
    theme: str
    title_it: str
    title_en: str
    description_it: str
    description_en: str
    stops: tuple[DemoStop, ...]


_ABBEY = DemoStop(
    "osm",
    "Abbazia di Chiaravalle",
    "L'abbazia: nel maggio 2021 la campagna ne ha celebrato l'800° anniversario. "
    "Accessibile in sedia a rotelle secondo OpenStreetMap.",
    "The abbey: in May 2021 the campaign marked its 800th anniversary. "
    "Wheelchair accessible according to OpenStreetMap.",
    30,
)

TOURS: tuple[DemoTour, ...] = (
    DemoTour(
        "chiaravalle-abbazia",
        "34",
        "history",
        "Chiaravalle: l'abbazia e il borgo",
        "Chiaravalle: the abbey and the village",
        "Una passeggiata breve intorno all'abbazia, nell'anno del suo 800° anniversario.",
        "A short walk around the abbey, in the year of its 800th anniversary.",
        (
            _ABBEY,
            DemoStop("osm", "Monastero di S. Maria", "Il bar-caffè del monastero.",
                     "The monastery's café.", 15),
            DemoStop("vedovelle", "Vedovella 39", "Una vedovella, la fontanella tipica milanese.",
                     "A vedovella, Milan's typical drinking fountain.", 5),
        ),
    ),
    DemoTour(
        "chiaravalle-cascine",
        "34",
        "nature",
        "Chiaravalle e le cascine del Parco Agricolo Sud",
        "Chiaravalle and the farmsteads of the Parco Agricolo Sud",
        "Dall'abbazia alle cascine storiche a nord-ovest, nel NIL 85 Parco delle Abbazie.",
        "From the abbey to the historic farmsteads north-west of it, in NIL 85 Parco delle "
        "Abbazie.",
        (
            _ABBEY,
            DemoStop("ds1448-cascine", "Cascina Grande di Chiaravalle",
                     "Cascina nell'elenco comunale delle cascine (ds1448).",
                     "A farmstead in the Comune's list of farmsteads (ds1448).", 20),
            DemoStop("ds1448-cascine", "Cascina Ambrosiana",
                     "Cascina a Vaiano Valle (elenco comunale ds1448).",
                     "A farmstead at Vaiano Valle (Comune list ds1448).", 20),
        ),
    ),
    DemoTour(
        "baggio-parco-delle-cave",
        "55",
        "nature",
        "Baggio – Parco delle Cave",
        "Baggio – Parco delle Cave",
        "Il tema della visita guidata del 15 maggio 2021 (massimo 20 persone): il Parco delle "
        "Cave e la Cascina Linterno, appena fuori dal NIL di Baggio.",
        "The theme of the guided tour of 15 May 2021 (20 people at most): the Parco delle "
        "Cave and Cascina Linterno, just outside the Baggio NIL.",
        (
            DemoStop("ds89-parks", "PARCO DI BAGGIO", "Parco di Baggio (dati parchi ds89).",
                     "Parco di Baggio (parks data ds89).", 15),
            DemoStop("ds89-parks", "PARCO DELLE CAVE", "Il Parco delle Cave (NIL 88).",
                     "The Parco delle Cave (NIL 88).", 40),
            DemoStop("ds1448-cascine", "Cascina Linterno",
                     "Cascina storica nell'elenco comunale (ds1448), NIL 88.",
                     "A historic farmstead in the Comune's list (ds1448), NIL 88.", 20),
        ),
    ),
    DemoTour(
        "baggio-borgo",
        "55",
        "history",
        "Baggio: il borgo e le cascine",
        "Baggio: the old village and its farmsteads",
        "Tra la biblioteca rionale, il parco e la Cascina La Corte. La Chiesa Vecchia, sede "
        "dei concerti della Primavera di Baggio, attende ancora una posizione nei dati aperti.",
        "Between the local library, the park and Cascina La Corte. The Chiesa Vecchia, home "
        "of the Primavera di Baggio concerts, still needs a location in the open data.",
        (
            DemoStop("biblioteche", "Biblioteca Baggio (sede provv. P.zza Stovani 3)",
                     "Biblioteca rionale, sede provvisoria in piazza Stovani 3.",
                     "Local library, provisional seat at Piazza Stovani 3.", 10),
            DemoStop("ds89-parks", "PARCO DI BAGGIO", "Parco di Baggio (dati parchi ds89).",
                     "Parco di Baggio (parks data ds89).", 10),
            DemoStop("ds1448-cascine", "Cascina La Corte",
                     "Cascina nel Quartiere degli Olmi (elenco comunale ds1448).",
                     "A farmstead in the Quartiere degli Olmi (Comune list ds1448).", 15),
            DemoStop("ds89-parks", "PARCO IN MEMORIA DELLE VITTIME ITALIANE NEI GULAG",
                     "Parco in memoria delle vittime italiane nei gulag (ds89).",
                     "Park in memory of the Italian victims of the gulags (ds89).", 10),
        ),
    ),
    DemoTour(
        "isola-comunita",
        "11",
        "community",
        "Isola: luoghi di comunità",
        "Isola: community places",
        "Dalla Stecca degli artigiani, protagonista delle giornate aperte di maggio 2021, ai "
        "giardini e alle chiese del quartiere.",
        "From the Stecca, the artisans' building at the heart of the May 2021 open days, to "
        "the neighbourhood's gardens and churches.",
        (
            DemoStop("landmarks", "Stecca 3.0 / Ciclofficina Stecca (+bc)",
                     "La Stecca 3.0 (punto OSM della ciclofficina al suo interno).",
                     "Stecca 3.0 (the OSM point of the bike workshop inside it).", 20),
            DemoStop("osm", "Pianoterra Lab", "Pianoterra Lab (OpenStreetMap).",
                     "Pianoterra Lab (OpenStreetMap).", 10),
            DemoStop("ds89-parks", "GIARDINO BRUNO MUNARI", "Giardino Bruno Munari (ds89).",
                     "Giardino Bruno Munari (ds89).", 10),
            DemoStop("osm", "Chiesa del Sacro Volto", "Chiesa del Sacro Volto (OpenStreetMap).",
                     "Chiesa del Sacro Volto (OpenStreetMap).", 10),
        ),
    ),
    DemoTour(
        "isola-teatri",
        "11",
        "music",
        "Isola: teatri e palcoscenici",
        "Isola: theatres and stages",
        "I teatri dell'Isola dai dati del Comune (servizi pubblici, cultura).",
        "Isola's theatres from the Comune's data (public services, culture).",
        (
            DemoStop("teatri", "TEATRO VERDI", "Teatro Verdi, via Pastrengo 16.",
                     "Teatro Verdi, Via Pastrengo 16.", 10),
            DemoStop("teatri", "SALA FONTANA", "Sala Fontana, via Boltraffio 21.",
                     "Sala Fontana, Via Boltraffio 21.", 10),
            DemoStop("teatri", "PICCOLISSIMO TEATRO", "Piccolissimo Teatro, via Thaon di Revel 3.",
                     "Piccolissimo Teatro, Via Thaon di Revel 3.", 10),
            DemoStop("ds89-parks", "GIARDINO FONDAZIONE RICCARDO CATELLA",
                     "Giardino Fondazione Riccardo Catella (ds89).",
                     "Giardino Fondazione Riccardo Catella (ds89).", 15),
        ),
    ),
)  # fmt: skip

UNKNOWN_TITLE = "title not in our sources"

# Short names and what the 2021 campaign did there (MISSION.md facts only).
NEIGHBOURHOODS = {
    "55": (
        "Baggio",
        "Nel maggio 2021 la campagna “Milano quartieri” ha presentato Baggio: i concerti della "
        "Primavera di Baggio nella Chiesa Vecchia e la visita guidata “Baggio – Parco delle Cave” "
        "del 15 maggio.",
        "In May 2021 the “Milano quartieri” campaign featured Baggio: the Primavera di Baggio "
        "concerts in the Chiesa Vecchia and the guided tour “Baggio – Parco delle Cave” on 15 May.",
    ),
    "11": (
        "Isola",
        "Nel maggio 2021 la campagna ha presentato l'Isola: giornate aperte degli artigiani, la "
        "BAM e La Stecca; la playlist del quartiere è stata curata da un negozio di dischi locale.",
        "In May 2021 the campaign featured Isola: artisan open days, BAM and La Stecca; the "
        "neighbourhood's playlist was curated by a local record shop.",
    ),
    "34": (
        "Chiaravalle",
        "Nel maggio 2021 la campagna ha presentato Chiaravalle, nell'anno dell'800° anniversario "
        "della sua abbazia.",
        "In May 2021 the campaign featured Chiaravalle, in the year of its abbey's 800th "
        "anniversary.",
    ),
}

PLAYLISTS = (
    {
        "slug": "baggio-playlist-2021",
        "nil": "55",
        "title": "Baggio – Milano quartieri 2021",
        "curator": "",
        "description": "The 2021 Spotify playlist for Baggio opened with Svampa and Jannacci and "
        "moved through Lokita, Ghali and Les Enfants. Track titles are not in our sources.",
        "artists": ("Nanni Svampa", "Enzo Jannacci", "Lokita", "Ghali", "Les Enfants"),
    },
    {
        "slug": "isola-playlist-2021",
        "nil": "11",
        "title": "Isola – Milano quartieri 2021",
        "curator": "A local record shop (name not in our sources)",
        "description": "The 2021 Spotify playlist for Isola was curated by a local record shop. "
        "Its artists and tracks are not in our sources.",
        "artists": (),
    },
    {
        "slug": "chiaravalle-playlist-2021",
        "nil": "34",
        "title": "Chiaravalle – Milano quartieri 2021",
        "curator": "",
        "description": "One Spotify playlist per neighbourhood was part of the 2021 campaign. "
        "The artists and tracks of Chiaravalle's are not in our sources.",
        "artists": (),
    },
)


def _import_data(console: Console) -> None:
    services.neighbourhood_import(
        path=DATA / "boundaries" / "nil_ds964_pgt2030.geojson",
        id_field="ID_NIL",
        name_field="NIL",
        city=CITY,
        source="Comune di Milano ds964 (NIL vigenti PGT 2030)",
    )
    for spec in importers.MILAN_LAYERS:
        rows = importers.read_layer(spec, DATA / spec.filename)
        services.poi_import_rows(rows=rows, label=spec.filename)
    services.landmark_import(path=DATA / "landmarks" / "landmarks_seed.csv")
    services.landmark_import(path=DATA / "osm" / "landmarks_seed_odbl.csv")


def _find(stop: DemoStop) -> PointOfInterest | None:
    return (
        PointOfInterest.objects.filter(source=stop.source, name_it=stop.name, lat__isnull=False)
        .order_by("pk")
        .first()
    )


def _load_tour(spec: DemoTour, console: Console) -> None:
    if Tour.objects.filter(slug=spec.slug).exists():
        return
    neighbourhood = Neighbourhood.objects.get(city=CITY, code=spec.nil)
    pois = []
    for stop in spec.stops:
        poi = _find(stop)
        if poi is None:
            console.print(f"[yellow]Demo tour {spec.slug}: {stop.name} not in the data, left out")
            continue
        pois.append((stop, poi))
    if not pois:
        return
    first, last = pois[0][1], pois[-1][1]
    near_first = selectors.transport_near(lon=float(first.lon or 0), lat=float(first.lat or 0))
    near_last = selectors.transport_near(lon=float(last.lon or 0), lat=float(last.lat or 0))
    tour = services.tour_create(
        actor=None,
        neighbourhood=neighbourhood,
        slug=spec.slug,
        title_it=spec.title_it,
        title_en=spec.title_en,
        description_it=spec.description_it,
        description_en=spec.description_en,
        theme=spec.theme,
        start=near_first[0][0] if near_first else None,
        end=near_last[0][0] if near_last else None,
    )
    for stop, poi in pois:
        services.tour_stop_add(
            actor=None, tour=tour, poi=poi, text_it=stop.text_it, text_en=stop.text_en,
            minutes=stop.minutes,
        )  # fmt: skip


def _load_playlist(spec: Mapping[str, object]) -> None:
    slug = str(spec["slug"])
    if Playlist.objects.filter(slug=slug).exists():
        return
    playlist = services.playlist_create(
        actor=None,
        neighbourhood=Neighbourhood.objects.get(city=CITY, code=str(spec["nil"])),
        slug=slug,
        title=str(spec["title"]),
        description=str(spec["description"]),
        curator=str(spec["curator"]),
    )
    artists = spec["artists"]
    assert isinstance(artists, tuple)  # noqa: S101 - literal data above
    for artist in artists:
        services.track_add(actor=None, playlist=playlist, artist=artist, note=UNKNOWN_TITLE)


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    _import_data(console)
    for code, (short, text_it, text_en) in NEIGHBOURHOODS.items():
        neighbourhood = Neighbourhood.objects.get(city=CITY, code=code)
        services.neighbourhood_update(
            actor=None, neighbourhood=neighbourhood, name_en=short, description_it=text_it,
            description_en=text_en,
        )  # fmt: skip
    for spec in TOURS:
        _load_tour(spec, console)
    for playlist in PLAYLISTS:
        _load_playlist(playlist)
    console.print(
        f"Places: {Neighbourhood.objects.count()} neighbourhoods, "
        f"{PointOfInterest.objects.count()} places, {Tour.objects.count()} tours, "
        f"{Playlist.objects.count()} playlists."
    )
