"""The "Da fare" inbox: what waits for the signed-in person, contributed by each app.

An app joins with a module ``quartieri/<app>/inbox.py`` exposing ``KINDS``, a list of
``InboxKind``: one kind of work (to review, rejected, failed posts, accounts to
reconnect…). A kind answers for one person: which rows wait for them (``waiting``, a
queryset, so counting is one query) and how a row reads in the inbox (``entry``). A kind
whose capability the person lacks costs no query at all. The menu shows the total on every
page (one COUNT over a UNION ALL of the kinds that apply, whatever the data); the inbox
page lists the first entries of each kind. Nothing in core names an app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils.functional import Promise

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import app_modules

# Entries a kind shows on the inbox page before "and N more" (the count stays exact).
ENTRIES_PER_KIND = 10


@dataclass(frozen=True)
class InboxAction:
    """A link beside an entry to a page where the person acts on it (the page checks again
    that they may)."""

    label: str | Promise
    url: str


@dataclass(frozen=True)
class InboxEntry:
    """One thing to do: what it is, where to do it, and why it waits."""

    title: str
    url: str
    detail: str = ""
    at: dt.datetime | None = None
    actions: tuple[InboxAction, ...] = ()


class InboxKind:
    """One kind of work; subclass it in an app's ``inbox.py`` and list it in ``KINDS``."""

    slug: str = ""
    title: str | Promise = ""
    # What the person does about it, one short sentence shown under the title.
    action: str | Promise = ""
    # What the page says when nothing of this kind waits.
    empty: str | Promise = ""
    # A capability the person's role needs, checked without a query before ``waiting``.
    capability: Capability | None = None
    order: int = 50

    def waiting(self, *, user: User) -> QuerySet[Any]:
        """The rows waiting for ``user``, in the order the inbox lists them."""
        raise NotImplementedError

    def entry(self, row: Any) -> InboxEntry:
        raise NotImplementedError

    def applies(self, *, user: User) -> bool:
        return self.capability is None or user_can(user, self.capability)


@dataclass(frozen=True)
class InboxSection:
    kind: InboxKind
    count: int
    entries: list[InboxEntry]

    @property
    def more(self) -> int:
        return self.count - len(self.entries)


def inbox_kinds() -> list[InboxKind]:
    kinds: list[InboxKind] = []
    for module in app_modules("inbox"):
        kinds.extend(module.KINDS)
    return sorted(kinds, key=lambda kind: kind.order)


def _person(user: AbstractBaseUser | AnonymousUser) -> User | None:
    return user if isinstance(user, User) and user.is_authenticated else None


def inbox_total(*, user: AbstractBaseUser | AnonymousUser) -> int:
    """How many things wait for ``user``, in one query whatever the number of kinds: each
    kind's rows as their keys, UNION ALL (duplicates kept: each row is one thing to do),
    counted. A kind whose rows cannot be any (no grant) drops out of the UNION."""
    person = _person(user)
    if person is None:
        return 0
    keys = [
        kind.waiting(user=person).order_by().values_list("pk")
        for kind in inbox_kinds()
        if kind.applies(user=person)
    ]
    if not keys:
        return 0
    first, *rest = keys
    return first.union(*rest, all=True).count() if rest else first.count()


def inbox_sections(
    *, user: AbstractBaseUser | AnonymousUser, limit: int = ENTRIES_PER_KIND
) -> list[InboxSection]:
    """Every kind that applies to ``user``, with its count and its first ``limit`` entries
    (empty kinds included: the page says there is nothing of that kind)."""
    person = _person(user)
    if person is None:
        return []
    sections = []
    for kind in inbox_kinds():
        if not kind.applies(user=person):
            continue
        waiting = kind.waiting(user=person)
        rows = list(waiting[:limit])
        count = len(rows) if len(rows) < limit else waiting.count()
        sections.append(InboxSection(kind, count, [kind.entry(row) for row in rows]))
    return sections


class InboxSummary:
    """The menu's count, computed once per page and only when a template reads it."""

    def __init__(self, user: AbstractBaseUser | AnonymousUser) -> None:
        self.user = user

    @cached_property
    def total(self) -> int:
        return inbox_total(user=self.user)
