"""The demo people: one account per role, with known passwords printed by `quartieri demo`."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.accounts.roles import Role
from quartieri.accounts.services import user_create
from quartieri.core.navigation import app_modules
from quartieri.lib.commands import progress


@dataclass(frozen=True)
class DemoPerson:
    username: str
    password: str
    role: Role
    first_name: str
    last_name: str
    organisation: str


# Fictional people; the organisations are the real roles of the 2021 campaign.
DEMO_PEOPLE = (
    DemoPerson("admin", "admin-quartieri", Role.ADMIN, "Anna", "Amministra", "Comune di Milano"),
    DemoPerson(
        "approver",
        "approver-quartieri",
        Role.APPROVER,
        "Giulia",
        "Ferri",
        "Comune di Milano, Comunicazione",
    ),
    DemoPerson("editor", "editor-quartieri", Role.EDITOR, "Marco", "Riva", "Agenzia (demo)"),
    DemoPerson(
        "analyst",
        "analyst-quartieri",
        Role.ANALYST,
        "Sara",
        "Conti",
        "Comune di Milano, Statistica",
    ),
)


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    for person in DEMO_PEOPLE:
        if User.objects.filter(username=person.username).exists():
            continue
        user_create(
            actor=None,
            username=person.username,
            email=f"{person.username}@demo.quartieri.invalid",
            role=person.role,
            password=person.password,
            first_name=person.first_name,
            last_name=person.last_name,
            organisation=person.organisation,
        )
    console.print(f"People: {len(DEMO_PEOPLE)} demo accounts, one per role.")


def demo_run(*, console: Console, from_today: bool) -> None:
    """Every app's demo, in settings order (people first); a demo that builds on the others'
    data says DEMO_AFTER_OTHERS = True and comes last.

    The steps run in the staff's language, as a person entering the data from the Italian
    interface would (a command runs without one): what they keep (a saved plan's reasons, for
    one) reads as the app reads it.
    """
    steps = sorted(app_modules("demo"), key=lambda m: getattr(m, "DEMO_AFTER_OTHERS", False))
    with translation.override(settings.LANGUAGE_CODE):
        for module in progress(steps, description="Demo", console=console):
            module.load(console=console, from_today=from_today)
