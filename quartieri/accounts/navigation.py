"""A main-menu entry: an app's AppConfig lists them in ``navigation``; the menu shows those
whose capability the signed-in person has (``quartieri.core.navigation``), grouped by the
step of the job they serve."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.roles import Capability


class NavGroup(models.TextChoices):
    """The menu's groups, in the order of the work: plan, produce, publish, measure."""

    PLAN = "plan", _("Plan")
    PRODUCE = "produce", _("Produce")
    PUBLISH = "publish", _("Publish")
    MEASURE = "measure", _("Measure")
    ADMIN = "admin", _("Administration")


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    capability: Capability
    order: int = 50
    group: NavGroup = NavGroup.PRODUCE
