"""A main-menu entry: an app's AppConfig lists them in ``navigation``; the menu shows those
whose capability the signed-in person has (``quartieri.core.navigation``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from quartieri.accounts.roles import Capability


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    capability: Capability
    order: int = 50
