"""Mini-sites tasks: thin wrappers, safe to run twice (``release.release_due`` releases only
what is still scheduled and due)."""

from __future__ import annotations

from django.tasks import task

from quartieri.minisites.release import release_due


@task()
def release_due_task() -> list[int]:
    """Release the website and posters variants whose time has come (enqueued by their
    delivery for each variant's scheduled time)."""
    return release_due()
