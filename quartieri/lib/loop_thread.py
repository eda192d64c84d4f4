"""An asyncio event loop in a thread of its own, for synchronous code that drives async I/O.

The newsletter's SMTP pool is asyncio; the task that sends a batch is synchronous and may run
in a thread whose own loop is already running (a greenlet-based caller, such as Playwright's
synchronous API in the same process), where ``run_until_complete`` refuses. Running the loop
in its own thread works the same from anywhere.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self


class LoopThread:
    """``with LoopThread() as loop: loop.run(coro())``; the loop and its thread end on exit."""

    def __init__(self, *, name: str = "asyncio-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def run[T](self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


def run_async[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to the end from synchronous code, whatever loop this thread has."""
    with LoopThread() as loop:
        return loop.run(coroutine)
