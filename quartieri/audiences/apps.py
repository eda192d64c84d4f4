from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudiencesConfig(AppConfig):
    name = "quartieri.audiences"
    label = "audiences"
    verbose_name = _("Audiences and channels")
