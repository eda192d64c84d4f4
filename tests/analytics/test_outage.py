"""A real `quartieri serve` keeps redirecting while its database is away, and counts every
answered redirect once when it is back, and again when it is stopped."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.conftest import IPHONE
from tests.processes import answers, free_port, platform_env, quartieri, spawn, wait_for

__all__ = ["platform_env"]


def stored_clicks(env: dict[str, str]) -> int:
    """The day roll-ups read straight from the database, as a report would."""
    query = "SELECT COALESCE(SUM(count + bots), 0) FROM analytics_rollup WHERE period = 'day'"
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            return int(conn.execute(query).fetchone()[0])  # type: ignore[index]
    with contextlib.closing(sqlite3.connect(_sqlite_file(env), timeout=30)) as conn:
        return int(conn.execute(query).fetchone()[0])


def _sqlite_file(env: dict[str, str]) -> str:
    return str(Path(env["QUARTIERI_DATA_DIR"]) / "quartieri.sqlite3")


@contextlib.contextmanager
def database_away(env: dict[str, str]) -> Iterator[None]:
    """SQLite: another process holds the write lock. PostgreSQL: the database refuses
    connections and the server's are cut."""
    if env.get("DATABASE_URL"):
        import psycopg

        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        admin = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            try:
                yield
            finally:
                conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        return
    holder = sqlite3.connect(_sqlite_file(env), timeout=30, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def spooled_files(env: dict[str, str]) -> list[Path]:
    return sorted((Path(env["QUARTIERI_DATA_DIR"]) / "analytics-spool").glob("*.jsonl"))


def redirect_many(client: httpx.Client, url: str, n: int) -> float:
    """Send n redirects; every one must be answered 302. Returns the slowest, in seconds."""
    slowest = 0.0
    for _ in range(n):
        started = time.monotonic()
        response = client.get(url)
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 302, response.text
    return slowest


@pytest.mark.slow
def test_outage_spools_replays_and_counts_every_redirect_once(platform_env: Any) -> None:
    port = free_port()
    # The link's target is a page of this platform: the same public address when it is made
    # and when the server answers (serve would otherwise take the address it listens on).
    env = platform_env | {
        "QUARTIERI_ANALYTICS_FLUSH_MS": "100",
        "QUARTIERI_ANALYTICS_DB_TIMEOUT_MS": "300",
        "QUARTIERI_LINK_CACHE_SECONDS": "1",
        "QUARTIERI_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    made = quartieri(
        env, "links", "create", "--target", "/q/", "--channel", "posters", "--format", "json"
    )
    assert made.returncode == 0, made.stderr
    code = json.loads(made.stdout)["code"]
    server = spawn(env, "serve", "--port", str(port), "--workers", "0", "--web-processes", "1")
    url = f"http://127.0.0.1:{port}/l/{code}"
    try:
        wait_for(lambda: answers(url, 302), timeout=90, what="the server")
        with httpx.Client(timeout=10, headers={"User-Agent": IPHONE}) as client:
            # Given redirects stored while the database answers,
            redirect_many(client, url, 40)
            wait_for(lambda: stored_clicks(env) == 41, timeout=20, what="41 stored")
            # when the database goes away, redirects are still answered at once,
            with database_away(env):
                slowest = redirect_many(client, url, 60)
                wait_for(lambda: bool(spooled_files(env)), timeout=20, what="a spooled batch")
                time.sleep(1.5)  # past the link cache's TTL: the link is read again, and fails
                slowest = max(slowest, redirect_many(client, url, 30))
                assert slowest < 1.0, f"a redirect waited {slowest:.2f} s on the database"
            # then, the database back, the spool is replayed and every redirect counted once.
            wait_for(lambda: stored_clicks(env) == 131, timeout=30, what="131 stored")
            assert spooled_files(env) == []
            # Stopping the server writes what it still holds in memory.
            redirect_many(client, url, 25)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        assert stored_clicks(env) == 156
    finally:
        if server.poll() is None:
            server.kill()
