from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from quartieri.core.worker_threads import LoopOptions, run_task_threads, thread_worker_ids
from quartieri.core.workers import HeartbeatThread, worker_id_new
from quartieri.lib.commands import QuartieriCommand, UsageError


class Command(QuartieriCommand):
    help = (
        "Run a background task worker (publishing, newsletter, insights, ...). Start as many "
        "as you like, on any machine that reaches the database (or Redis with REDIS_URL). "
        "Each one beats a heartbeat and re-queues the tasks of workers that died."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queues",
            default="*",
            help="Comma-separated queues to serve, or * for all (default). "
            f"Known queues: {', '.join(settings.TASK_QUEUES)}.",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.WORKER_THREADS,
            help="Tasks this process runs at once, one per thread (default %(default)s, from "
            "QUARTIERI_WORKER_THREADS). Worth it for publishing, which mostly waits for the "
            "platforms. Database backend only: with Redis, start more worker processes.",
        )
        parser.add_argument(
            "--max-tasks",
            type=int,
            default=None,
            help="Exit after running this many tasks (in all threads together).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run what is waiting, then exit (each thread stops when the queue is empty).",
        )
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args: Any, **options: Any) -> None:
        self._check(options)
        logging.getLogger("django_tasks_db").setLevel(logging.INFO)
        worker_id = worker_id_new()
        rq = settings.TASK_BACKEND_NAME == "rq"
        claim_ids = [worker_id] if rq else thread_worker_ids(worker_id, options["threads"])
        heartbeat = HeartbeatThread(worker_ids=claim_ids)
        heartbeat.beat_once()
        heartbeat.start()
        try:
            if rq:
                self._run_rq(worker_id, options)
            else:
                self._run_db(claim_ids, options)
        finally:
            heartbeat.stop()

    def _check(self, options: dict[str, Any]) -> None:
        """Refuse wrong values before the worker announces itself with a heartbeat."""
        threads = options["threads"]
        if threads < 1:
            raise UsageError(f"--threads {threads} must be at least 1")
        if options["max_tasks"] is not None and options["max_tasks"] < 1:
            raise UsageError(f"--max-tasks {options['max_tasks']} must be at least 1")
        if threads > 1 and settings.TASK_BACKEND_NAME == "rq":
            raise UsageError(
                f"--threads {threads} (or QUARTIERI_WORKER_THREADS) works with the database "
                "task backend only: an RQ worker installs its own signal handlers, which only "
                f"a process's main thread may do. Start {threads} 'quartieri worker' processes "
                "instead."
            )

    def _run_db(self, worker_ids: list[str], options: dict[str, Any]) -> None:
        loop = LoopOptions(
            queues=options["queues"].split(","),
            interval=options["interval"],
            batch=options["batch"],
        )
        run_task_threads(worker_ids=worker_ids, options=loop, max_tasks=options["max_tasks"])

    def _run_rq(self, worker_id: str, options: dict[str, Any]) -> None:
        queues = settings.TASK_QUEUES if options["queues"] == "*" else options["queues"].split(",")
        call_command(
            "rqworker",
            *queues,
            job_class="django_tasks_rq.Job",
            # No forked work-horse, and a prompt scheduler hand-over: see the class.
            worker_class="quartieri.core.rq_worker.QuartieriWorker",
            burst=options["batch"],
            max_jobs=options["max_tasks"],
            with_scheduler=True,
            name=worker_id,
        )
