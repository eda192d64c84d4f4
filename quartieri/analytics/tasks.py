"""Analytics tasks, on the ``insights`` queue. Thin: the work is in ``services``."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from quartieri.analytics.services import insights_pull, insights_run_finish


@task(queue_name="insights")
def pull_insights(*, run_id: int | None = None) -> dict[str, Any]:
    """Pull every account's figures; safe to run twice (rows are upserted).

    ``run_id`` is the day's claimed ``InsightsRun``, which gets the per-account summary.
    """
    report = insights_pull()
    if run_id is not None:
        insights_run_finish(run_id=run_id, report=report)
    return report.as_json()
