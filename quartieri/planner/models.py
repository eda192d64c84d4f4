from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from quartieri.planner.result import PlanResult


class SavedPlan(models.Model):
    """A plan kept for a campaign: the inputs and the result as computed then.

    The campaigns app (a later issue) links a campaign to a saved plan; until then the
    campaign is named in free text.
    """

    name = models.CharField(_("name"), max_length=200)
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    campaign_slug = models.SlugField(_("campaign slug"), max_length=200, blank=True)
    inputs: models.JSONField[Any, Any] = models.JSONField(_("inputs"))
    result: models.JSONField[Any, Any] = models.JSONField(_("result"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="saved_plans",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("saved plan")
        verbose_name_plural = _("saved plans")

    def __str__(self) -> str:
        return self.name

    @property
    def total_reach(self) -> int:
        return int(self.result.get("total_reach", 0))

    def plan(self) -> PlanResult:
        """The result as it was computed then (``PlanResult.to_json`` wrote it)."""
        return PlanResult.from_json(self.result)
