"""The plug-in points through which each domain app joins the staff web app.

An app joins the main menu by giving its AppConfig a ``navigation`` list of NavItem; it
joins the home dashboard with a ``dashboard.py`` module exposing ``cards(request)``, and the
demo with a ``demo.py`` module exposing ``load(*, console, from_today)``. Nothing in core
names a domain app.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps
from django.utils.functional import Promise

# NavItem belongs to accounts (a menu entry is what a capability lets a person reach), so
# that accounts, which core builds on, can declare its own menu without importing core.
from quartieri.accounts.navigation import NavGroup as NavGroup
from quartieri.accounts.navigation import NavItem as NavItem


@dataclass(frozen=True)
class DashboardCard:
    title: str | Promise
    body: str | Promise
    url_name: str = ""
    figures: list[tuple[str | Promise, str]] = field(default_factory=list)
    order: int = 50


def app_modules(module_name: str) -> Iterator[ModuleType]:
    """Yield ``<app>.<module_name>`` for every quartieri app that has one, in settings order."""
    for config in apps.get_app_configs():
        if not config.name.startswith("quartieri."):
            continue
        dotted = f"{config.name}.{module_name}"
        if find_spec(dotted) is not None:
            yield importlib.import_module(dotted)


def navigation_items() -> list[NavItem]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        items.extend(getattr(config, "navigation", []))
    return sorted(items, key=lambda item: item.order)


@dataclass(frozen=True)
class MenuGroup:
    """One dropdown of the main menu: a step of the job and the pages under it."""

    group: NavGroup
    items: list[NavItem]
    current: bool  # the page shown belongs to this step
    current_item: str  # url_name of the entry that is the page shown, or ""


def menu_groups(items: list[NavItem], *, view_name: str) -> list[MenuGroup]:
    """``items`` by group in the order of the job. A group is current when the page is one
    of its entries, or else belongs to the app of one of them (a campaign's page is under
    the group of "Campaigns"), the first such group winning."""
    namespace = view_name.partition(":")[0]
    by_group = {group: [item for item in items if item.group == group] for group in NavGroup}
    exact = next((item for item in items if item.url_name == view_name), None)
    near = next((item for item in items if item.url_name.partition(":")[0] == namespace), None)
    chosen = exact or near
    return [
        MenuGroup(
            group=group,
            items=entries,
            current=chosen is not None and chosen.group == group,
            current_item=exact.url_name if exact is not None else "",
        )
        for group, entries in by_group.items()
        if entries
    ]
