from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from quartieri.core.workers import HeartbeatThread, worker_id_new
from quartieri.lib.commands import QuartieriCommand


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
            "--max-tasks", type=int, default=None, help="Exit after running this many tasks."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is waiting, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("django_tasks_db").setLevel(logging.INFO)
        worker_id = worker_id_new()
        heartbeat = HeartbeatThread(worker_id=worker_id)
        heartbeat.beat_once()
        heartbeat.start()
        try:
            if settings.TASK_BACKEND_NAME == "rq":
                self._run_rq(worker_id, options)
            else:
                self._run_db(worker_id, options)
        finally:
            heartbeat.stop()

    def _run_db(self, worker_id: str, options: dict[str, Any]) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=options["queues"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

    def _run_rq(self, worker_id: str, options: dict[str, Any]) -> None:
        queues = settings.TASK_QUEUES if options["queues"] == "*" else options["queues"].split(",")
        call_command(
            "rqworker",
            *queues,
            job_class="django_tasks_rq.Job",
            # Jobs run in the worker process itself, not in a forked work-horse: a killed
            # worker then takes its job down with it (the sweeper re-queues it) instead of
            # leaving an orphan horse that finishes while the job is run again elsewhere.
            worker_class="rq.worker.SimpleWorker",
            burst=options["batch"],
            max_jobs=options["max_tasks"],
            with_scheduler=True,
            name=worker_id,
        )
