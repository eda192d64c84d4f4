from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.lib.env import LOOPBACK_HOSTS


class Command(QuartieriCommand):
    help = (
        "Run the platform: the web server (granian, production-grade, not runserver) and "
        "task workers together, restarting a worker that dies. For several machines run "
        "'quartieri serve --workers 0' behind a proxy and 'quartieri worker' elsewhere."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--web-processes", type=int, default=2, help="Web server processes (default 2)."
        )
        parser.add_argument(
            "--threads", type=int, default=8, help="Request threads per web process (default 8)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Task workers to run beside the web server (default 1; SQLite serialises "
            "writers, so more than one helps only on PostgreSQL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise UsageError(f"--port {options['port']} is not a port number (1-65535)")
        if options["web_processes"] < 1 or options["threads"] < 1 or options["workers"] < 0:
            raise UsageError(
                "--web-processes and --threads must be at least 1, --workers at least 0"
            )
        self._refuse_unmigrated()
        # Every process started below builds absolute URLs (post links, sandbox media, short
        # links, mini-sites, newsletters) from the address this one listens on, unless
        # QUARTIERI_PUBLIC_URL says otherwise.
        listening = public_url_for(host=options["host"], port=options["port"])
        if listening:
            os.environ.setdefault("QUARTIERI_PUBLIC_URL", listening)
        call_command("collectstatic", interactive=False, verbosity=0)
        # A sandbox (docs/publishing.md) runs each app's local stand-ins beside the rest
        # (AppConfig.sandbox_commands): the platforms' fakes, a local SMTP sink.
        helpers = (
            [
                [sys.executable, "-m", "quartieri.cli", *command]
                for config in apps.get_app_configs()
                for command in getattr(config, "sandbox_commands", [])
            ]
            if settings.SANDBOX
            else []
        )
        sandbox = " and the platform sandbox" if settings.SANDBOX else ""
        self.stdout.write(
            f"quartieri on http://{options['host']}:{options['port']}/ "
            f"({options['web_processes']} web, {options['workers']} worker(s), "
            f"tasks on {settings.TASK_BACKEND_NAME}{sandbox}); Ctrl+C stops it."
        )
        Supervisor(
            web=self._web_command(options),
            worker=[sys.executable, "-m", "quartieri.cli", "worker"],
            workers=options["workers"],
            helpers=helpers,
        ).run()

    def _refuse_unmigrated(self) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise UsageError("the database is not up to date: run 'quartieri migrate' first")

    def _web_command(self, options: dict[str, Any]) -> list[str]:
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["web_processes"]),
            "--no-ws",
            # Django views block on the database: a few threads per process keep requests
            # flowing without hundreds of idle threads contending for SQLite.
            "--blocking-threads",
            str(options["threads"]),
            "quartieri.wsgi:application",
        ]


# Listening on every address: people on this machine reach it by the loopback address.
_WILDCARDS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 - compared with, not bound to


def public_url_for(*, host: str, port: int) -> str:
    """The address ``serve --host/--port`` is reached at, or "" for another machine's name
    (which needs QUARTIERI_PUBLIC_URL with https, settings.py)."""
    if host in _WILDCARDS:
        host = "127.0.0.1"
    if host not in LOOPBACK_HOSTS:
        return ""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


# Restarting a worker or helper that died: at once, unless it died within
# RESTART_QUICK_DEATH_SECONDS of starting, then after 1, 2, 4 … up to 60 seconds.
RESTART_QUICK_DEATH_SECONDS = 30.0
RESTART_FIRST_DELAY = 0.5
RESTART_MAX_DELAY = 60.0


class Supervisor:
    """Keeps the web server, N workers and any helper process (the sandbox's platform
    fakes) running until told to stop; a worker or helper that dies is started again."""

    def __init__(
        self,
        *,
        web: list[str],
        worker: list[str],
        workers: int,
        helpers: list[list[str]] | None = None,
    ) -> None:
        self.web_command = web
        # Helpers first: the sandbox's fakes should listen before a worker publishes.
        self.commands = [*(helpers or []), *([worker] * workers)]
        self.children: list[subprocess.Popen[bytes]] = []
        self.started: list[float] = []
        self.delays = [RESTART_FIRST_DELAY] * len(self.commands)
        self.restart_at: list[float | None] = [None] * len(self.commands)
        self.stopping = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        web = subprocess.Popen(self.web_command)  # noqa: S603 - our own interpreter and args
        self.children = [self._start(command) for command in self.commands]
        self.started = [time.monotonic()] * len(self.children)
        try:
            while not self.stopping and web.poll() is None:
                self._restart_dead_children()
                time.sleep(1)
        finally:
            for process in [web, *self.children]:
                if process.poll() is None:
                    process.terminate()
            for process in [web, *self.children]:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _start(self, command: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(command)  # noqa: S603 - our own interpreter and args

    def _restart_dead_children(self) -> None:
        now = time.monotonic()
        for index, process in enumerate(self.children):
            if process.poll() is None or self.stopping:
                continue
            if self.restart_at[index] is None:
                # One that dies soon after starting (a port taken, a bad setting) is tried
                # again less and less often instead of every second.
                lived = now - self.started[index]
                quick = lived < RESTART_QUICK_DEATH_SECONDS
                delay = min(self.delays[index] * 2, RESTART_MAX_DELAY) if quick else 0.0
                self.delays[index] = delay or RESTART_FIRST_DELAY
                self.restart_at[index] = now + delay
            restart_at = self.restart_at[index]
            if restart_at is not None and now >= restart_at:
                self.children[index] = self._start(self.commands[index])
                self.started[index], self.restart_at[index] = now, None

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
