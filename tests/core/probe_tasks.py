"""A task for the process tests: it leaves a mark when it starts and when it finishes."""

from __future__ import annotations

import time
from pathlib import Path

from django.tasks import task


@task()
def probe(*, marks: str, name: str, seconds: float) -> str:
    folder = Path(marks)
    with (folder / "started").open("a") as started:
        started.write(name + "\n")
    time.sleep(seconds)
    # The finish mark is the task's one side effect that must happen exactly once.
    with (folder / "finished").open("a") as finished:
        finished.write(name + "\n")
    return name


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []
