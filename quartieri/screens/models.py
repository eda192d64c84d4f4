"""City screens: displays and their groups, slides, playlists, schedules and proof of play.

A ``Display`` is one screen in a public place; its player (a kiosk browser) reaches the
platform only through its secret token, stored as a SHA-256 for look-up and encrypted for
staff who open the player again (never in clear). ``Slide`` is what fills the screen for a
while; ``Playlist`` orders slides with durations; ``Schedule`` puts a playlist on displays
or groups by date, weekday, time of day and priority. ``Play`` is one proof of play sent
back by a player. ``ContentVersion`` is bumped by every change a player may need to see,
so that a poll is answered "not modified" without building the manifest (selectors).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# A display's resolution, in pixels: from a small stop panel to an 8K wall.
MIN_PIXELS, MAX_PIXELS = 240, 7680
MAX_SLIDE_SECONDS = 3600
# A kiosk's clock may run a little ahead of ours (proof of play is checked with this slack).
CLOCK_SKEW = dt.timedelta(minutes=2)


class DisplayGroup(models.Model):
    """Displays managed together; a group with an ``account`` *is* that screens channel
    account: grants on the account say who drafts, approves and schedules slides for the
    group's displays, and the account's scheduled variants play on them (``screens.kind``).
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    # One group per account (the account is the group on the channels side); deleting the
    # account leaves the group and its displays, no longer a channel.
    account = models.OneToOneField(
        "channels.ChannelAccount",
        verbose_name=_("screens channel account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="display_group",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("display group")
        verbose_name_plural = _("display groups")

    def __str__(self) -> str:
        return self.name


class Display(models.Model):
    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("Landscape")
        PORTRAIT = "portrait", _("Portrait")

    name = models.CharField(_("name"), max_length=200)
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood",
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="displays",
    )
    # The place it stands at (a transport stop of the open data); its coordinates are copied
    # below so that the display keeps them if the place is re-imported or removed.
    place = models.ForeignKey(
        "places.PointOfInterest",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place_label = models.CharField(_("where it stands"), max_length=300, blank=True)
    # Null when nobody knows yet: never a guessed coordinate.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    width = models.PositiveIntegerField(
        _("width (px)"), validators=[MinValueValidator(MIN_PIXELS), MaxValueValidator(MAX_PIXELS)]
    )
    height = models.PositiveIntegerField(
        _("height (px)"), validators=[MinValueValidator(MIN_PIXELS), MaxValueValidator(MAX_PIXELS)]
    )
    orientation = models.CharField(
        _("orientation"), max_length=10, choices=Orientation, default=Orientation.LANDSCAPE
    )
    groups = models.ManyToManyField(
        DisplayGroup, verbose_name=_("groups"), blank=True, related_name="displays"
    )
    token_hash = models.CharField(
        _("player token SHA-256"), max_length=64, unique=True, editable=False
    )
    # The same token encrypted (quartieri.lib.crypto), so staff can open the player again.
    token_secret = models.TextField(editable=False)
    token_rotated_at = models.DateTimeField(_("token issued at"))
    active = models.BooleanField(
        _("active"), default=True, help_text=_("A revoked display's player sees nothing.")
    )
    # Bumped by "push now" and by every change of the display itself: part of its manifest key.
    revision = models.PositiveIntegerField(default=0, editable=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    software_version = models.CharField(_("player version"), max_length=40, blank=True)
    # The last manifest sent: its key (versions and hour) and ETag, so that a poll whose
    # key has not moved is answered 304 without building the manifest again.
    manifest_key = models.CharField(max_length=80, blank=True, editable=False)
    manifest_etag = models.CharField(max_length=80, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("display")
        verbose_name_plural = _("displays")
        constraints = [
            models.CheckConstraint(
                condition=Q(orientation="landscape", width__gte=F("height"))
                | Q(orientation="portrait", height__gte=F("width")),
                name="screens_display_orientation_matches_resolution",
                violation_error_message=_(
                    "A landscape display is at least as wide as it is tall; a portrait one at "
                    "least as tall as it is wide."
                ),
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True)
                | Q(lat__isnull=False, lon__isnull=False),
                name="screens_display_both_coordinates_or_none",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def resolution(self) -> str:
        return f"{self.width}×{self.height}"


class RetiredToken(models.Model):
    """The hash of a token that no longer opens a player, so the log can say whose it was."""

    display = models.ForeignKey(Display, on_delete=models.CASCADE, related_name="retired_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    retired_at = models.DateTimeField()

    class Meta:
        ordering = ["-retired_at"]

    def __str__(self) -> str:
        return f"{self.display} token retired {self.retired_at:%Y-%m-%d %H:%M}"


class Slide(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Short muted video")
        LAYOUT = "layout", _("Layout (title, text, photo, QR code, map)")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screen_slides",
    )
    # What the slide speaks of: the layout's map, and the campaign report's subject.
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood",
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screen_slides",
    )
    # Set on the slides screens.kind makes from variants of the screens channel.
    variant = models.OneToOneField(
        "campaigns.Variant",
        verbose_name=_("variant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screen_slide",
    )
    # The image or video (image and video slides), or the layout's photo; read from its
    # bytes on upload (campaigns.media.media_probe). A variant's slide uses its media asset.
    media = models.FileField(_("file"), upload_to="screens/slides/", blank=True)
    asset = models.ForeignKey(
        "campaigns.MediaAsset",
        verbose_name=_("campaign media"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    media_type = models.CharField(_("MIME type"), max_length=100, blank=True)
    media_width = models.PositiveIntegerField(null=True, blank=True)
    media_height = models.PositiveIntegerField(null=True, blank=True)
    media_seconds = models.FloatField(null=True, blank=True)
    media_bytes = models.PositiveBigIntegerField(default=0)
    alt_text = models.TextField(
        _("text alternative"), help_text=_("What the slide shows, for people who cannot see it.")
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    text = models.TextField(_("text"), max_length=400, blank=True)
    qr_target = models.URLField(_("QR code leads to"), max_length=500, blank=True)
    # The tracked short link of this slide's QR code (analytics.links.link_for, placement
    # "slide-<id>"), made when the slide is saved: drawing a slide asks the database nothing.
    qr_link = models.URLField(_("tracked link of the QR code"), max_length=200, blank=True)
    show_map = models.BooleanField(_("show the neighbourhood map"), default=False)
    duration_seconds = models.PositiveIntegerField(
        _("duration (s)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SLIDE_SECONDS)],
    )
    # The slide every player falls back to when nothing is scheduled or a slide fails.
    is_default = models.BooleanField(_("default slide"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("slide")
        verbose_name_plural = _("slides")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="screens_one_default_slide",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Rendition(models.Model):
    """A slide made for one resolution: an SVG for a layout, a scaled image for an image.

    ``source`` is a digest of everything it was made from; a changed slide (or boundary, or
    link) gets a new rendition, and the player a new URL, so files can be cached for ever.
    """

    slide = models.ForeignKey(Slide, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    source = models.CharField(max_length=64)
    file = models.FileField(upload_to="screens/renditions/")
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slide", "width", "height"]
        constraints = [
            models.UniqueConstraint(
                fields=["slide", "width", "height", "source"], name="screens_rendition_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.slide} {self.width}×{self.height}"


class Playlist(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    # Set on the playlist screens.kind keeps for a group's channel account: its items come
    # from approved, scheduled variants and are rewritten by the sync, not by hand.
    channel_group = models.OneToOneField(
        DisplayGroup,
        verbose_name=_("channel of group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="channel_playlist",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("playlist")
        verbose_name_plural = _("playlists")

    def __str__(self) -> str:
        return self.name


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    slide = models.ForeignKey(Slide, on_delete=models.PROTECT, related_name="playlist_items")
    position = models.PositiveIntegerField()
    duration_seconds = models.PositiveIntegerField(
        _("duration (s)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SLIDE_SECONDS)]
    )
    # When the item plays at all (a variant's slide: from its scheduled time to its
    # campaign's end); null on either side means no limit.
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["playlist", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=F("valid_from")),
                name="screens_item_window_forward",
            )
        ]

    def __str__(self) -> str:
        return f"{self.playlist} #{self.position}: {self.slide}"


def all_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4, 5, 6]


class Schedule(models.Model):
    """A playlist on displays and groups: dates, weekdays, time of day, priority.

    The highest priority among the schedules in force wins; schedules of the same priority
    play one after the other. An emergency schedule overrides every other one.
    """

    name = models.CharField(_("name"), max_length=200)
    playlist = models.ForeignKey(
        Playlist, verbose_name=_("playlist"), on_delete=models.CASCADE, related_name="schedules"
    )
    displays = models.ManyToManyField(
        Display, verbose_name=_("displays"), blank=True, related_name="schedules"
    )
    groups = models.ManyToManyField(
        DisplayGroup, verbose_name=_("groups"), blank=True, related_name="schedules"
    )
    start_date = models.DateField(_("first day"), null=True, blank=True)
    end_date = models.DateField(_("last day"), null=True, blank=True)
    # Monday 0 … Sunday 6 (Python's weekday()).
    weekdays: models.JSONField[Any, Any] = models.JSONField(
        _("days of the week"), default=all_weekdays
    )
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    priority = models.SmallIntegerField(_("priority"), default=0)
    emergency = models.BooleanField(_("emergency (overrides everything)"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-emergency", "-priority", "name", "pk"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="screens_schedule_dates_forward",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True)
                | Q(end_time__isnull=True)
                | Q(end_time__gt=F("start_time")),
                name="screens_schedule_times_forward",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def days_label(self) -> str:
        """ "Mon, Tue" in the current language; empty for every day."""
        from django.utils.dates import WEEKDAYS_ABBR

        days = sorted(self.weekdays)
        return "" if days == all_weekdays() else ", ".join(str(WEEKDAYS_ABBR[d]) for d in days)


class Play(models.Model):
    """One proof of play: this display showed this slide from ``started_at`` to ``ended_at``.

    ``uid`` is the player's own id for the play, unique per display, so a batch sent again
    (the answer was lost) is recorded once. The neighbourhood and campaign are those of the
    moment it arrived, so the report does not change when a display moves later.
    """

    display = models.ForeignKey(Display, on_delete=models.PROTECT, related_name="plays")
    slide = models.ForeignKey(Slide, on_delete=models.PROTECT, related_name="plays")
    uid = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["display", "-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["display", "uid"], name="screens_play_display_uid"),
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")), name="screens_play_ends_after_start"
            ),
        ]
        indexes = [
            # A display's history, newest first (staff page, `quartieri screens plays`).
            models.Index(fields=["display", "-started_at"], name="screens_play_display_time"),
            # The campaign report groups a campaign's plays by slide and neighbourhood.
            models.Index(fields=["campaign", "slide"], name="screens_play_campaign_slide"),
        ]

    def __str__(self) -> str:
        return f"{self.display_id}: slide {self.slide_id} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()


class ContentVersion(models.Model):
    """One row: bumped in the same transaction as every change of slides, playlists,
    schedules or groups, and part of every display's manifest key."""

    value = models.PositiveBigIntegerField(default=0)
    # What screens.kind last synced from the screens channel's variants (periodic.tick).
    variants_fingerprint = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("content version")

    def __str__(self) -> str:
        return str(self.value)
