from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "quartieri.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        checks.register(check_kinds)


def check_kinds(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every registered kind imports, and declares the capabilities its hooks implement."""
    from quartieri.channels.base import kind_problems
    from quartieri.channels.registry import KINDS, UnknownKindError, kind_for

    errors: list[checks.CheckMessage] = []
    for slug in KINDS:
        try:
            kind = kind_for(slug)
        except (ImportError, UnknownKindError) as error:
            errors.append(checks.Error(str(error), id="channels.E001"))
            continue
        errors.extend(checks.Error(problem, id="channels.E002") for problem in kind_problems(kind))
    return errors
