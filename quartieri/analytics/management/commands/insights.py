from __future__ import annotations

import os
import socket
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils import timezone

from quartieri.analytics.models import InsightsRun
from quartieri.analytics.services import insights_pull, insights_run_claim, insights_run_finish
from quartieri.lib.commands import QuartieriCommand, UsageError

# Meta keeps insights for 2 years (§2.4, §3.3): older posts have nothing left to read.
MAX_POST_DAYS = 730
# A Page insights request spans at most 90 days (§3.3); more would only multiply calls.
MAX_ACCOUNT_DAYS = 90


class Command(QuartieriCommand):
    help = (
        "Platform insights. 'pull' reads now, for every connected account, the figures of "
        "posts published in the last --days days and the account's daily figures, and "
        "stores them (running it twice a day updates, never duplicates). Workers already "
        "pull once a day; use this from cron or to fill a gap."
    )
    output_formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        pull = actions.add_parser("pull", help="read and store figures now")
        pull.add_argument(
            "--days",
            type=int,
            default=settings.INSIGHTS_POST_DAYS,
            help="posts published in the last N days (default %(default)s)",
        )
        pull.add_argument(
            "--account-days",
            type=int,
            default=settings.INSIGHTS_ACCOUNT_DAYS,
            help="account figures of the last N complete days (default %(default)s)",
        )
        pull.add_argument(
            "--format",
            choices=list(self.output_formats),
            default=self.output_formats[0],
            help="Output format: a table for people, json for scripts.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days, account_days = options["days"], options["account_days"]
        if not 1 <= days <= MAX_POST_DAYS:
            raise UsageError(f"--days {days} must be between 1 and {MAX_POST_DAYS}")
        if not 1 <= account_days <= MAX_ACCOUNT_DAYS:
            raise UsageError(
                f"--account-days {account_days} must be between 1 and {MAX_ACCOUNT_DAYS}"
            )
        # Claiming the day (when no worker has yet) keeps the workers from pulling again.
        run, _created = insights_run_claim(
            day=timezone.localdate(),
            trigger=InsightsRun.Trigger.COMMAND,
            claimed_by=f"{socket.gethostname()[:30]}-{os.getpid()}",
        )
        report = insights_pull(days=days, account_days=account_days)
        insights_run_finish(run_id=run.pk, report=report)
        if options["format"] == "json":
            self.emit_json(report.as_json())
            return
        if not report.outcomes:
            self.stdout.write("No connected TikTok, Instagram or Facebook account: nothing read.")
            return
        columns = ("account", "status", "post_rows", "account_rows", "missing", "detail")
        rows = [[row[c] for c in columns] for row in report.summary()]
        self.emit_table(columns=columns, rows=rows)
