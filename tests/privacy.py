"""Where did a client's data end up? A scan of every row of every table for given strings.

Our rule: no table holds a raw IP address or user agent. A test drives some traffic with a
recognisable address and user agent, then calls ``assert_no_trace(user_agent, address)``.
The scan reads the database through Django's introspection API (so it sees every table,
including those of third-party apps such as django-axes and the task queue, on SQLite and
PostgreSQL alike), checks that every installed model's table is among them, and looks at
every column of every row as text. Session data is decoded first: it is stored encoded.
Other issues call it for their own traffic (short links, page views, newsletter).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.db import DEFAULT_DB_ALIAS, connections

EXCERPT = 40
# A column whose name says it holds an address or a user agent.
SUSPECT_COLUMN = re.compile(r"(^|_)(ip|ip_?address|remote_?addr|user_?agent|ua)($|_)", re.I)


@dataclass(frozen=True)
class Trace:
    table: str
    column: str
    needle: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column} holds {self.needle!r}: …{self.excerpt}…"


def _as_text(value: Any, *, table: str, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if table == "django_session" and column == "session_data":
        decoded = SessionStore().decode(value)
        return f"{value}\n{json.dumps(decoded, default=str, ensure_ascii=False)}"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)  # numbers, dates, PostgreSQL inet (ipaddress objects), text


def _rows(table: str, using: str) -> Iterator[tuple[str, Any]]:
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}")  # noqa: S608 - names from introspection
        for row in cursor.fetchall():
            yield from zip(columns, row, strict=True)


def scanned_tables(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Every table in the database; fails if a model's table is missing from it."""
    tables = connections[using].introspection.table_names(include_views=False)
    expected = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    missing = expected - set(tables)
    assert not missing, f"tables of installed models not found by introspection: {missing}"
    return sorted(tables)


def traces_of(*needles: str, using: str = DEFAULT_DB_ALIAS) -> list[Trace]:
    """Every (table, column) whose text contains one of the needles (case-insensitive)."""
    wanted = [needle for needle in needles if needle]
    assert wanted, "give at least one non-empty string to look for"
    found: dict[tuple[str, str, str], Trace] = {}
    for table in scanned_tables(using):
        for column, value in _rows(table, using):
            text = _as_text(value, table=table, column=column)
            lowered = text.lower()
            for needle in wanted:
                at = lowered.find(needle.lower())
                if at >= 0 and (table, column, needle) not in found:
                    excerpt = text[max(0, at - EXCERPT) : at + len(needle) + EXCERPT]
                    found[(table, column, needle)] = Trace(table, column, needle, excerpt)
    return list(found.values())


def assert_no_trace(*needles: str, using: str = DEFAULT_DB_ALIAS) -> None:
    traces = traces_of(*needles, using=using)
    assert not traces, "client data stored:\n" + "\n".join(map(str, traces))


def suspect_columns(app_labels: Iterable[str], using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Columns of these apps' tables named as if they held an address or a user agent."""
    wanted = set(app_labels)
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in wanted
    }
    connection = connections[using]
    with connection.cursor() as cursor:
        return [
            f"{table}.{column.name}"
            for table in sorted(tables & set(scanned_tables(using)))
            for column in connection.introspection.get_table_description(cursor, table)
            if SUSPECT_COLUMN.search(column.name)
        ]
