"""A task backend for browser tests whose live server enqueues tasks the test then runs."""

from __future__ import annotations

from typing import Any, ClassVar

from django.tasks.backends.dummy import DummyBackend


class SharedDummyBackend(DummyBackend):
    """Django's dummy backend (tasks kept, never run) with one queue for every thread:
    Django makes a backend per thread, and the tasks the live server's thread enqueues must
    reach the test's worker."""

    queue: ClassVar[list[Any]] = []

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.results = self.queue
