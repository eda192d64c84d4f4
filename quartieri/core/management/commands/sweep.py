from __future__ import annotations

from typing import Any

from quartieri.core.workers import orphaned_tasks_requeue
from quartieri.lib.commands import QuartieriCommand


class Command(QuartieriCommand):
    help = (
        "Re-queue tasks left running by a worker that died. Every worker already does this "
        "after each heartbeat; run it by hand when no worker is running."
    )
    formats = ("table", "json")

    def handle(self, *args: Any, **options: Any) -> None:
        requeued = orphaned_tasks_requeue()
        if options["format"] == "json":
            self.emit_json({"requeued": requeued})
        else:
            self.stdout.write(f"Re-queued {len(requeued)} task(s).")
