"""Neighbourhoods, points of interest, tours with ordered stops, playlists and tracks.

Geometry is plain GeoJSON in a JSONField with its centroid and area computed on import, so
SQLite and PostgreSQL both work without a spatial extension.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Licence(models.TextChoices):
    CC_BY_4 = "CC-BY-4.0", "CC BY 4.0"
    ODBL_1 = "ODbL-1.0", "ODbL 1.0"
    OTHER = "other", _("Other (see source)")


class Wheelchair(models.TextChoices):
    YES = "yes", _("Step-free")
    LIMITED = "limited", _("Partly step-free")
    NO = "no", _("Not step-free")
    UNKNOWN = "", _("Not known")


class Category(models.TextChoices):
    PARK = "park", _("Park or garden")
    FARMSTEAD = "farmstead", _("Farmstead (cascina)")
    FOUNTAIN = "fountain", _("Drinking fountain")
    WATER_HOUSE = "water_house", _("Water house")
    LIBRARY = "library", _("Library")
    THEATRE = "theatre", _("Theatre or auditorium")
    POOL = "pool", _("Swimming pool")
    HERITAGE = "heritage", _("History and heritage")
    ARCHITECTURE = "architecture", _("Architecture")
    FOOD = "food", _("Food and drink")
    COMMUNITY = "community", _("Community and crafts")
    MEMORIAL = "memorial", _("Memorial")
    LODGING = "lodging", _("Lodging")
    SHOP = "shop", _("Shop")
    METRO = "metro", _("Metro station")
    SURFACE_STOP = "stop", _("Bus or tram stop")
    OTHER = "other", _("Other")


TRANSPORT_CATEGORIES = (Category.METRO, Category.SURFACE_STOP)


class Theme(models.TextChoices):
    HISTORY = "history", _("History")
    ARCHITECTURE = "architecture", _("Architecture")
    STREET_ART = "street_art", _("Street art")
    NATURE = "nature", _("Nature")
    FOOD = "food", _("Food")
    MUSIC = "music", _("Music")
    COMMUNITY = "community", _("Community")


class Neighbourhood(models.Model):
    city = models.CharField(_("city"), max_length=100, default="Milano")
    code = models.CharField(_("official id"), max_length=50)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    centroid_lat = models.FloatField()
    centroid_lon = models.FloatField()
    area_m2 = models.FloatField(_("area (m²)"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    licence = models.CharField(
        _("licence"), max_length=20, choices=Licence, default=Licence.CC_BY_4
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "name_it"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="places_neighbourhood_city_code")
        ]

    def __str__(self) -> str:
        return self.name_it


class PointOfInterest(models.Model):
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True, related_name="pois"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category)
    name_it = models.CharField(_("name (Italian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # Null when the data has no coordinate: the place "needs location" until staff set one.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    location_set_by_staff = models.BooleanField(default=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    wheelchair = models.CharField(
        _("wheelchair access"), max_length=10, choices=Wheelchair, blank=True, default=""
    )
    source = models.CharField(_("source dataset"), max_length=200)
    source_record = models.CharField(_("source record"), max_length=300)
    licence = models.CharField(_("licence"), max_length=20, choices=Licence)
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name_it"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_record"], name="places_poi_source")
        ]
        indexes = [models.Index(fields=["category"])]

    def __str__(self) -> str:
        return self.name_it

    @property
    def needs_location(self) -> bool:
        return self.lat is None or self.lon is None

    @property
    def is_odbl(self) -> bool:
        return self.licence == Licence.ODBL_1

    @property
    def data_note(self) -> str:
        """The note the open data gives: a landmark row's own, or the landmark merged into a
        layer's place (``extra["landmark"]``); either may be absent."""
        landmark = self.extra.get("landmark")
        merged = landmark.get("note", "") if isinstance(landmark, dict) else ""
        return str(self.extra.get("note") or merged or "")


class WalkingGraph(models.Model):
    name = models.CharField(max_length=200)
    nodes = models.JSONField()
    edges = models.JSONField()
    node_count = models.PositiveIntegerField()
    edge_count = models.PositiveIntegerField()
    licence = models.CharField(max_length=20, choices=Licence, default=Licence.ODBL_1)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class Tour(models.Model):
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, related_name="tours")
    slug = models.SlugField(max_length=120, unique=True)
    title_it = models.CharField(_("title (Italian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    theme = models.CharField(_("theme"), max_length=20, choices=Theme)
    languages = models.JSONField(_("languages"), default=list)
    start = models.ForeignKey(
        PointOfInterest,
        verbose_name=_("start (public transport)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    end = models.ForeignKey(
        PointOfInterest,
        verbose_name=_("end (public transport)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["neighbourhood__name_it", "title_it"]

    def __str__(self) -> str:
        return self.title_it


class TourStop(models.Model):
    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="stops")
    poi = models.ForeignKey(PointOfInterest, on_delete=models.PROTECT, related_name="tour_stops")
    position = models.PositiveIntegerField()
    text_it = models.TextField(_("text (Italian)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    minutes = models.PositiveIntegerField(_("minutes at the stop"), default=10)

    class Meta:
        ordering = ["tour", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.tour} #{self.position}: {self.poi}"


class Playlist(models.Model):
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.PROTECT, related_name="playlists"
    )
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    curator = models.CharField(_("curator"), max_length=200, blank=True)
    spotify_url = models.URLField(_("Spotify playlist"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["neighbourhood__name_it", "title"]

    def __str__(self) -> str:
        return self.title


class Track(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="tracks")
    position = models.PositiveIntegerField()
    # Blank title: the artist is a known fact, the title is not in our sources.
    title = models.CharField(_("title"), max_length=300, blank=True)
    artist = models.CharField(_("artist"), max_length=300)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    spotify_url = models.URLField(_("Spotify link"), blank=True)
    apple_music_url = models.URLField(_("Apple Music link"), blank=True)
    youtube_url = models.URLField(_("YouTube link"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["playlist", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.artist} - {self.title}" if self.title else self.artist

    @property
    def links(self) -> list[str]:
        return [u for u in (self.spotify_url, self.apple_music_url, self.youtube_url) if u]
