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
