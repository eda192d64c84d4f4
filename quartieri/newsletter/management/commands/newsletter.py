from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quartieri.accounts.models import User
from quartieri.core.workers import live_worker_ids
from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.newsletter.imports import ImportFileError, subscribers_import
from quartieri.newsletter.issues import (
    issue_approve,
    issue_compose,
    issue_pause,
    issue_resume,
    issue_send_start,
)
from quartieri.newsletter.models import Issue, NewsletterList, Subscriber
from quartieri.newsletter.selectors import list_export_rows, subscriber_access
from quartieri.newsletter.sending import Progress as SendProgress
from quartieri.newsletter.sending import issue_progress
from quartieri.newsletter.services import subscriber_erase
from quartieri.newsletter.tokens import email_normalise


def _problem(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class Command(QuartieriCommand):
    help = (
        "The daily newsletter: import and export subscribers, compose an issue from the "
        "day's content, send it (exactly once, with live progress), read bounces, and run "
        "the demo's local SMTP sink."
    )
    formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("import", help="Import a CSV of subscribers into a list.")
        p.add_argument("file", type=Path)
        p.add_argument("--list", required=True, dest="list_slug")
        p.add_argument("--consent-note", required=True)
        p.add_argument("--rejects", type=Path, help="Where to write rejected rows.")
        p = sub.add_parser("export", help="Export a list as CSV (stdout or --output).")
        p.add_argument("--list", required=True, dest="list_slug")
        p.add_argument("--output", type=Path)
        p = sub.add_parser("access", help="Everything kept about one subscriber (GDPR), JSON.")
        p.add_argument("email")
        p = sub.add_parser("erase", help="Erase one subscriber, keeping a suppression hash.")
        p.add_argument("email")
        p = sub.add_parser("compose", help="Compose a list's issue of a day from its content.")
        p.add_argument("--list", required=True, dest="list_slug")
        p.add_argument("--date", required=True)
        p.add_argument("--by", help="Username of the author (default: the system).")
        p = sub.add_parser("send", help="Send an approved issue.")
        p.add_argument("issue_id", type=int)
        p.add_argument("--approved-by", help="Username of the approver, for an issue in review.")
        p.add_argument("--wait", action="store_true", help="Show progress until it is sent.")
        for name in ("pause", "resume", "progress"):
            p = sub.add_parser(name, help=f"{name.capitalize()} the send of an issue.")
            p.add_argument("issue_id", type=int)
        sub.add_parser(
            "bounces", help="Read the bounce mailbox (QUARTIERI_NEWSLETTER_BOUNCE_IMAP_URL)."
        )
        p = sub.add_parser("sink", help="Run the demo's local SMTP sink (the Mailbox page).")
        p.add_argument("--port", type=int, default=settings.NEWSLETTER_SINK_PORT)
        for subparser in sub.choices.values():
            # --format also after the action (``newsletter compose … --format json``).
            subparser.add_argument(
                "--format", choices=list(self.formats), default=argparse.SUPPRESS
            )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        getattr(self, f"_{action}")(options)

    def _emit(self, options: dict[str, Any], data: dict[str, Any], line: str) -> None:
        if options["format"] == "json":
            self.emit_json(data)
        else:
            self.stdout.write(line)

    @staticmethod
    def _list(slug: str) -> NewsletterList:
        found = NewsletterList.objects.filter(slug=slug).first()
        if found is None:
            raise UsageError(f"--list {slug!r}: no such list")
        return found

    @staticmethod
    def _user(username: str | None, flag: str) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise UsageError(f"{flag} {username!r}: no such active user")
        return user

    @staticmethod
    def _issue(issue_id: int) -> Issue:
        issue = Issue.objects.select_related("newsletter_list").filter(pk=issue_id).first()
        if issue is None:
            raise UsageError(f"issue {issue_id}: no such issue")
        return issue

    @staticmethod
    def _subscriber(email: str) -> Subscriber:
        try:
            found = Subscriber.objects.filter(email=email_normalise(email)).first()
        except ValidationError:
            raise UsageError(f"{email!r} is not an e-mail address") from None
        if found is None:
            raise UsageError(f"{email!r}: no such subscriber")
        return found

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        rejects = options["rejects"] or path.with_name(path.stem + ".rejects.csv")
        try:
            summary = subscribers_import(
                path=path,
                newsletter_list=self._list(options["list_slug"]),
                consent_note=options["consent_note"],
                rejects_path=rejects,
            )
        except ImportFileError as error:
            raise UsageError(f"{path}: {error}") from None
        self._emit(
            options,
            summary.as_dict(),
            f"{summary.rows} rows: {summary.imported} imported, {summary.merged} merged, "
            f"{summary.rejected} rejected (see {summary.rejects_file})",
        )

    def _export(self, options: dict[str, Any]) -> None:
        rows = list_export_rows(newsletter_list=self._list(options["list_slug"]))
        if options["output"] is None:
            for text in rows:
                self.stdout.write(text, ending="")
            return
        with options["output"].open("w", newline="", encoding="utf-8") as out:
            for text in rows:
                out.write(text)

    def _access(self, options: dict[str, Any]) -> None:
        data = subscriber_access(subscriber=self._subscriber(options["email"]))
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _erase(self, options: dict[str, Any]) -> None:
        subscriber_erase(actor=None, subscriber=self._subscriber(options["email"]))
        self._emit(options, {"erased": True}, "Erased; the address is suppressed (hash only).")

    def _compose(self, options: dict[str, Any]) -> None:
        try:
            date = dt.date.fromisoformat(options["date"])
        except ValueError:
            raise UsageError(f"--date {options['date']!r} is not YYYY-MM-DD") from None
        try:
            issue = issue_compose(
                actor=self._user(options["by"], "--by"),
                newsletter_list=self._list(options["list_slug"]),
                date=date,
            )
        except (ValidationError, PermissionDenied) as error:
            raise UsageError(_problem(error)) from None
        self._emit(options, {"id": issue.pk}, f"Issue {issue.pk} composed ({issue.subject_it}).")

    def _send(self, options: dict[str, Any]) -> None:
        issue = self._issue(options["issue_id"])
        approver = self._user(options["approved_by"], "--approved-by")
        try:
            if approver is not None and issue.status in {
                Issue.Status.DRAFT,
                Issue.Status.IN_REVIEW,
            }:
                issue = issue_approve(actor=approver, issue=issue, via="command")
            issue = issue_send_start(actor=approver, issue=issue)
        except (ValidationError, PermissionDenied) as error:
            raise UsageError(_problem(error)) from None
        if not options["wait"]:
            self._emit(
                options,
                {"id": issue.pk, "status": issue.status, "audience": issue.audience_size},
                f"Issue {issue.pk}: sending to {issue.audience_size} subscribers.",
            )
            return
        self._wait(issue, options)

    def _wait(self, issue: Issue, options: dict[str, Any]) -> None:
        if not live_worker_ids():
            self.console.print("No task worker is alive: start 'quartieri worker' to send.")
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.0f}/s"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console) as bar:
            task = bar.add_task(f"Issue {issue.pk}", total=issue.audience_size, rate=0.0)
            while True:
                progress = issue_progress(issue_id=issue.pk)
                bar.update(task, completed=progress.done, rate=progress.rate)
                if progress.finished:
                    break
                time.sleep(0.5)
        self._report(issue, progress, options)

    def _report(self, issue: Issue, progress: SendProgress, options: dict[str, Any]) -> None:
        self._emit(
            options,
            {
                "id": issue.pk,
                "sent": progress.sent,
                "unconfirmed": progress.unconfirmed,
                "failed": progress.failed,
                "uncertain": progress.uncertain,
            },
            f"Issue {issue.pk}: {progress.sent} sent, {progress.unconfirmed} sent without a "
            f"reply read (the server has them), {progress.failed} failed, "
            f"{progress.uncertain} uncertain.",
        )
        if progress.uncertain:
            raise UsageError(
                f"{progress.uncertain} deliveries are uncertain (a worker died as it handed "
                "them over): they were not sent again; an approver may resend them from the "
                "issue's page, see docs/newsletter.md"
            )

    def _progress(self, options: dict[str, Any]) -> None:
        progress = issue_progress(issue_id=self._issue(options["issue_id"]).pk)
        data = {**progress.__dict__, "done": progress.done}
        self._emit(
            options,
            data,
            f"{progress.status}: {progress.sent} sent, {progress.unconfirmed} unconfirmed, "
            f"{progress.failed} failed, {progress.uncertain} uncertain, "
            f"{progress.remaining} remaining, "
            f"{progress.rate:.0f}/s",
        )

    def _pause(self, options: dict[str, Any]) -> None:
        try:
            issue = issue_pause(actor=None, issue=self._issue(options["issue_id"]))
        except ValidationError as error:
            raise UsageError(_problem(error)) from None
        self._emit(options, {"id": issue.pk, "status": issue.status}, f"Issue {issue.pk} paused.")

    def _resume(self, options: dict[str, Any]) -> None:
        try:
            issue = issue_resume(actor=None, issue=self._issue(options["issue_id"]))
        except ValidationError as error:
            raise UsageError(_problem(error)) from None
        self._emit(options, {"id": issue.pk, "status": issue.status}, f"Issue {issue.pk} resumed.")

    def _bounces(self, options: dict[str, Any]) -> None:
        from quartieri.newsletter.bounces import bounces_read_configured

        if not settings.NEWSLETTER_BOUNCE_IMAP_URL:
            raise UsageError("QUARTIERI_NEWSLETTER_BOUNCE_IMAP_URL is not set")
        handled = bounces_read_configured()
        self._emit(options, {"handled": handled}, f"{handled} messages handled.")

    def _sink(self, options: dict[str, Any]) -> None:
        from quartieri.newsletter.sink import sink_serve

        port = options["port"]
        if not 1024 <= port < 65536:
            raise UsageError(f"--port {port} must be between 1024 and 65535")
        self.stdout.write(
            f"newsletter sink: SMTP on 127.0.0.1:{port}, messages kept in "
            f"{settings.NEWSLETTER_MAILBOX_DIR}; Ctrl+C stops it."
        )
        self.stdout.flush()
        try:
            sink_serve(port=port, folder=settings.NEWSLETTER_MAILBOX_DIR)
        except OSError as error:
            raise UsageError(f"cannot listen on 127.0.0.1:{port}: {error}") from None
