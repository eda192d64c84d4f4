"""Does any table hold an IP address or a user agent? (For the coordinator: a shared
``tests/privacy.py`` is being written on another branch; this small one can merge into it.)

``schema_problems`` names columns whose names say they hold an address or a user agent;
``stored_values`` finds given strings (an address, a user agent) in any text or binary
column of any table, reading at most ``limit`` rows of each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.apps import apps
from django.db import connection

SUSPECT_COLUMN = re.compile(r"(^|_)(ip|ip_?address|remote_?addr|user_?agent|ua)($|_)", re.I)


def tables(app_labels: Iterable[str] | None = None) -> list[str]:
    """Tables of the installed models that exist (unmanaged ones, django_rq's, have none)."""
    models = apps.get_models(include_auto_created=True)
    wanted = set(app_labels) if app_labels is not None else None
    existing = set(connection.introspection.table_names())
    return sorted(
        {
            m._meta.db_table
            for m in models
            if (wanted is None or m._meta.app_label in wanted) and m._meta.db_table in existing
        }
    )


def schema_problems(table_names: Iterable[str]) -> list[str]:
    problems = []
    with connection.cursor() as cursor:
        for table in table_names:
            for column in connection.introspection.get_table_description(cursor, table):
                if SUSPECT_COLUMN.search(column.name):
                    problems.append(f"{table}.{column.name}")
    return problems


def stored_values(needles: Iterable[str], *, limit: int = 2000) -> list[str]:
    """Where any needle appears, as "table.column"; every table of every installed app."""
    needles = [n for n in needles if n]
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables():
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            names = ", ".join(quote(c) for c in columns)
            cursor.execute(f"SELECT {names} FROM {quote(table)} LIMIT {int(limit)}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = _text(value)
                    if text and any(needle in text for needle in needles):
                        found.append(f"{table}.{column}")
    return sorted(set(found))


def _text(value: object) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else ""
