from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quartieri.lib.commands import QuartieriCommand, UsageError


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
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"quartieri on http://{options['host']}:{options['port']}/ "
            f"({options['web_processes']} web, {options['workers']} worker(s), "
            f"tasks on {settings.TASK_BACKEND_NAME}); Ctrl+C stops it."
        )
        Supervisor(
            web=self._web_command(options),
            worker=[sys.executable, "-m", "quartieri.cli", "worker"],
            workers=options["workers"],
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


class Supervisor:
    """Keeps the web server and N workers running until told to stop."""

    def __init__(self, *, web: list[str], worker: list[str], workers: int) -> None:
        self.web_command = web
        self.worker_command = worker
        self.workers: list[subprocess.Popen[bytes]] = []
        self.worker_count = workers
        self.stopping = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        web = subprocess.Popen(self.web_command)  # noqa: S603 - our own interpreter and args
        self.workers = [self._start_worker() for _ in range(self.worker_count)]
        try:
            while not self.stopping and web.poll() is None:
                self._restart_dead_workers()
                time.sleep(1)
        finally:
            for process in [web, *self.workers]:
                if process.poll() is None:
                    process.terminate()
            for process in [web, *self.workers]:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _start_worker(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.worker_command)  # noqa: S603 - our own interpreter and args

    def _restart_dead_workers(self) -> None:
        for index, process in enumerate(self.workers):
            if process.poll() is not None and not self.stopping:
                self.workers[index] = self._start_worker()

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
