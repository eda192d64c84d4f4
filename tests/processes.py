"""Run real quartieri processes (workers, the server) against a platform of their own.

Process tests cannot share pytest-django's test database (in memory on SQLite, inside a
transaction on PostgreSQL), so each one gets a fresh data folder, and on PostgreSQL a fresh
database, migrated by the real `quartieri migrate`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parent.parent
# Database 0 is the suite's own; the platforms of process tests take 1-14 in turn.
_REDIS_DATABASES = itertools.cycle(range(1, 15))
# The process groups spawned for each platform (by data folder), killed when it closes.
_GROUPS: dict[str, list[int]] = {}
# `quartieri migrate` of a fresh platform takes seconds on a quiet machine but ran past two
# minutes on a loaded one; the ceiling only matters when something hangs, so it is generous
# and an environment variable can raise it further (a quiet run finishes no later for it).
MIGRATE_TIMEOUT_VARIABLE = "QUARTIERI_TEST_MIGRATE_TIMEOUT"
MIGRATE_TIMEOUT_DEFAULT = 600.0


def migrate_timeout(environ: Mapping[str, str] = os.environ) -> float:
    """Seconds ``migrate`` may take (``QUARTIERI_TEST_MIGRATE_TIMEOUT``, default 600)."""
    raw = environ.get(MIGRATE_TIMEOUT_VARIABLE, "")
    if not raw:
        return MIGRATE_TIMEOUT_DEFAULT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise pytest.UsageError(f"{MIGRATE_TIMEOUT_VARIABLE}={raw!r} is not a number of seconds")
    return seconds


def quartieri(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quartieri.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`quartieri <args>` in this environment, less pytest's and Django's variables, plus
    ``env``: the command as a person runs it, with no platform of its own."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    return quartieri({**base, **env}, *args)


def free_port() -> int:
    """A port nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str, status: int) -> bool:
    """Whether ``url`` answers with ``status`` now (a server not up yet answers nothing)."""
    try:
        return httpx.get(url, timeout=2).status_code == status
    except httpx.HTTPError:
        return False


def spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    # QUARTIERI_TEST_PROCESS_LOG=<file>: keep what the processes print, to debug a test.
    log = os.environ.get("QUARTIERI_TEST_PROCESS_LOG")
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child holds it)
    process = subprocess.Popen(
        [sys.executable, "-m", "quartieri.cli", *args],
        cwd=REPO,
        env=env,
        stdout=output,
        stderr=output,
        # A group of its own, so that what it leaves behind (the RQ scheduler process of a
        # SIGKILLed worker outlives it) can be ended with it when the platform closes.
        start_new_session=True,
    )
    _GROUPS.setdefault(env.get("QUARTIERI_DATA_DIR", ""), []).append(process.pid)
    return process


def _end_groups(data_dir: str) -> None:
    for group in _GROUPS.pop(data_dir, []):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


def python(
    env: dict[str, str],
    code: str,
    *,
    timeout: float = 60,
    settings_module: str = "quartieri.settings",
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a Django process of the platform (``settings_module``: the settings
    it runs with, e.g. the workers' own when what it does depends on their waits)."""
    script = "import django; django.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": settings_module},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def python_process(
    env: dict[str, str], code: str, *, log: Path, settings_module: str = "quartieri.settings"
) -> subprocess.Popen[str]:
    """``code`` started in a Django process of the platform, its input and output piped: it
    starts up now and is handed what it needs later. What it logs goes to ``log`` (a pipe
    nobody reads would fill up and stop it)."""
    script = "import django; django.setup()\n" + code
    with log.open("a") as errors:
        return subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=REPO,
            env={**env, "DJANGO_SETTINGS_MODULE": settings_module},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _create_postgres_database(url: str) -> str:
    import psycopg

    name = f"quartieri_proc_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


@contextlib.contextmanager
def platform(
    folder: Path, *, database_url: str = "", redis_url: str = ""
) -> Iterator[dict[str, str]]:
    """Environment for a migrated platform of its own, with fast worker heartbeats.

    ``database_url``: a PostgreSQL server on which a fresh database is created (else SQLite
    in ``folder``); ``redis_url``: a Redis server whose database 1-14 is used for the queue.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("QUARTIERI_", "PYTEST_", "DJANGO_"))
    }
    env.update(
        QUARTIERI_DATA_DIR=str(folder / "var"),
        QUARTIERI_WORKER_HEARTBEAT_SECONDS="1",
        QUARTIERI_WORKER_STALE_SECONDS="3",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url.startswith("postgres"):
        env["DATABASE_URL"] = _create_postgres_database(database_url)
    if redis_url:
        # A Redis database of its own so queued jobs of one run never reach another: taken
        # in turn, not at random, because the RQ scheduler process of a SIGKILLed worker
        # outlives it and would act in the next platform that drew the same database.
        env["REDIS_URL"] = redis_url.rsplit("/", 1)[0] + "/" + str(next(_REDIS_DATABASES))
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    seconds = migrate_timeout()
    try:
        result = quartieri(env, "migrate", "--noinput", timeout=seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"quartieri migrate took over {seconds:g} s (raise {MIGRATE_TIMEOUT_VARIABLE})"
        ) from None
    assert result.returncode == 0, result.stderr
    try:
        yield env
    finally:
        _end_groups(env["QUARTIERI_DATA_DIR"])
    if env.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()


@pytest.fixture
def platform_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A platform of its own on the database and queue the suite runs on."""
    database_url = os.environ.get("DATABASE_URL", "")
    with platform(tmp_path, database_url=database_url, redis_url=settings.REDIS_URL) as env:
        yield env
