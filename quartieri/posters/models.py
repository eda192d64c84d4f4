"""The staff's choices for each neighbourhood's poster: layout, photo, size."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Layout(models.TextChoices):
    # The neighbourhood's own boundary and tour places, drawn from the open data.
    MAP = "map", _("Map of the neighbourhood")
    # A chosen photo across the top half, bleeding off three edges.
    PHOTO = "photo", _("Photo")


class PosterDesign(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="poster_designs"
    )
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood", on_delete=models.PROTECT, related_name="poster_designs"
    )
    layout = models.CharField(_("layout"), max_length=10, choices=Layout, default=Layout.MAP)
    # One of the campaign's images (campaigns.MediaAsset: uploaded with its alternative text).
    photo = models.ForeignKey(
        "campaigns.MediaAsset",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    size = models.CharField(_("size"), max_length=10, default="A3")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["campaign", "neighbourhood__name_it"]
        verbose_name = _("poster design")
        verbose_name_plural = _("poster designs")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "neighbourhood"], name="posters_design_campaign_neighbourhood"
            )
        ]

    def __str__(self) -> str:
        return f"{self.neighbourhood} ({self.campaign})"


class PrintFailure(models.Model):
    """Why a scheduled poster post could not be released: its print files could not be made.

    The post stays scheduled, and its poster is not offered anywhere (``kind.poster_releases``
    counts only posters whose files were made). The release tries again at ``retry_at``
    (``services.RETRY_AFTER``: a few times, further apart); ``retry_at`` empty means no more
    automatic tries: staff try again from the poster's page, by changing its design or by
    moving the post. Removed when the poster is released."""

    variant = models.OneToOneField(
        "campaigns.Variant", on_delete=models.CASCADE, related_name="poster_failure"
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"))
    failed_at = models.DateTimeField(_("last failed at"))
    retry_at = models.DateTimeField(_("next try at"), null=True, blank=True)

    class Meta:
        verbose_name = _("poster print failure")
        verbose_name_plural = _("poster print failures")

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.error}"
