"""Tasks for the process tests: they leave a mark when they start and when they finish."""

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


@task()
def rendezvous(*, marks: str, name: str, together: int, seconds: float) -> str:
    """Finish only when ``together`` rendezvous tasks have started within ``seconds``: tasks
    run one after another never all finish, tasks run side by side do."""
    folder = Path(marks)
    with (folder / "started").open("a") as started:
        started.write(name + "\n")
    deadline = time.monotonic() + seconds
    while len(lines(folder / "started")) < together:
        if time.monotonic() > deadline:
            with (folder / "gave_up").open("a") as gave_up:
                gave_up.write(name + "\n")
            return "gave up"
        time.sleep(0.05)
    with (folder / "finished").open("a") as finished:
        finished.write(name + "\n")
    return name


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []
