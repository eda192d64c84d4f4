from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

from django.core.management.base import CommandParser
from django.utils.timezone import localtime

from quartieri.channels.connection import credential_refresh_expiring, refresh_margin
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.models import ChannelAccount, PlatformCredential
from quartieri.channels.registry import platform_slugs
from quartieri.channels.selectors import credential_list
from quartieri.channels.services import (
    CredentialError,
    credential_rotate_keys,
    credential_store,
)
from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.publishing.sweep import outbox_sweep


class Command(QuartieriCommand):
    help = (
        "Connect channel accounts and list them. 'connect ACCOUNT' stores tokens obtained "
        "elsewhere (pass '-' as a token to read it from standard input, keeping it out of the "
        "shell history); 'list' shows accounts without their tokens; 'rotate-keys' "
        "re-encrypts every token with the first of QUARTIERI_ENCRYPTION_KEYS; "
        "'refresh-tokens' renews the tokens that expire soon, 'sweep-outbox' gives a task "
        "again to posts whose task was lost (every worker runs both every few minutes)."
    )
    # --format belongs to each sub-command (``publishing list --format json``), so it is
    # added below rather than by QuartieriCommand on the group's parser.
    output_formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        connect = actions.add_parser("connect", help="store the tokens of one channel account")
        connect.add_argument(
            "account", metavar="ACCOUNT", help="the channel account: its id, or platform:handle"
        )
        connect.add_argument("--access-token", required=True, help="the token, or - for stdin")
        connect.add_argument("--refresh-token", default="", help="the refresh token, or -")
        connect.add_argument(
            "--expires-in", type=int, default=None, help="seconds, as the platform returned it"
        )
        connect.add_argument(
            "--refresh-expires-in", type=int, default=None, help="seconds (TikTok), as returned"
        )
        connect.add_argument("--external-id", default="", help="IG user id, Page id, open_id")
        connect.add_argument("--scopes", default="", help="comma-separated permissions granted")
        listing = actions.add_parser("list", help="list connected accounts (never their tokens)")
        rotate = actions.add_parser(
            "rotate-keys", help="re-encrypt every token with the newest encryption key"
        )
        refresh = actions.add_parser(
            "refresh-tokens", help="renew the tokens that expire within the margin"
        )
        refresh.add_argument(
            "--margin-seconds",
            type=int,
            default=None,
            help="renew tokens expiring within this many seconds "
            "(default: PUBLISHING_TOKEN_REFRESH_MARGIN_SECONDS, 1800)",
        )
        sweep = actions.add_parser(
            "sweep-outbox", help="enqueue again the task of every post whose task was lost"
        )
        for sub in (connect, listing, rotate, refresh, sweep):
            sub.add_argument(
                "--format",
                choices=list(self.output_formats),
                default=self.output_formats[0],
                help="Output format: a table for people, json for scripts.",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        actions = {
            "connect": self._connect,
            "rotate-keys": self._rotate,
            "refresh-tokens": self._refresh,
            "list": self._list,
            "sweep-outbox": self._sweep,
        }
        actions[options["action"]](options)

    def _connect(self, options: dict[str, Any]) -> None:
        account = _account(options["account"])
        for name in ("expires_in", "refresh_expires_in"):
            if options[name] is not None and options[name] <= 0:
                flag = "--" + name.replace("_", "-")
                raise UsageError(f"{flag} {options[name]} must be a positive number of seconds")
        tokens = TokenSet.from_response(
            access_token=_token(options["access_token"]),
            refresh_token=_token(options["refresh_token"]),
            expires_in=options["expires_in"],
            refresh_expires_in=options["refresh_expires_in"],
            scopes=tuple(s.strip() for s in options["scopes"].split(",") if s.strip()),
        )
        try:
            credential = credential_store(
                actor=None, account=account, tokens=tokens, external_id=options["external_id"]
            )
        except CredentialError as error:
            raise UsageError(str(error)) from None
        row = _row(credential)
        if options["format"] == "json":
            self.emit_json(row)
        else:
            self.stdout.write(f"Connected {row['platform']} account {row['handle']}.")

    def _rotate(self, options: dict[str, Any]) -> None:
        rotated = credential_rotate_keys()
        if options["format"] == "json":
            self.emit_json({"rotated": rotated})
        else:
            self.stdout.write(
                f"Re-encrypted the tokens of {rotated} account(s) with the newest key."
            )

    def _refresh(self, options: dict[str, Any]) -> None:
        seconds = options["margin_seconds"]
        if seconds is not None and seconds < 0:
            raise UsageError(f"--margin-seconds {seconds} must not be negative")
        margin = refresh_margin() if seconds is None else timedelta(seconds=seconds)
        report = credential_refresh_expiring(margin=margin)
        if options["format"] == "json":
            self.emit_json(vars(report))
            return
        self.stdout.write(
            f"Renewed {report.renewed} token(s); {report.reconnect_needed} account(s) need a "
            f"person to reconnect them; {report.failed} could not be renewed now (next run "
            "tries again)."
        )

    def _sweep(self, options: dict[str, Any]) -> None:
        enqueued = outbox_sweep()
        if options["format"] == "json":
            self.emit_json({"enqueued": enqueued})
        else:
            self.stdout.write(f"Enqueued again the task of {enqueued} post(s).")

    def _list(self, options: dict[str, Any]) -> None:
        rows = [_row(credential) for credential in credential_list()]
        if options["format"] == "json":
            self.emit_json(rows)
            return
        columns = ("account", "platform", "handle", "status", "expires_at")
        self.emit_table(columns=columns, rows=[[row[c] or "" for c in columns] for row in rows])


def _account(value: str) -> ChannelAccount:
    """The channel account named by its id or ``platform:handle``; the valid ones if none."""
    accounts = ChannelAccount.objects.filter(platform__in=platform_slugs())
    platform, colon, handle = value.partition(":")
    if colon:
        found = accounts.filter(platform=platform.strip(), handle=handle.strip()).first()
    else:
        found = accounts.filter(pk=int(value)).first() if value.strip().isdigit() else None
    if found is not None:
        return found
    valid = [f"{a.pk} ({a.platform}:{a.handle})" for a in accounts.order_by("platform", "handle")]
    raise UsageError(
        f"unknown channel account {value!r}; give its id or platform:handle, one of: "
        + (", ".join(valid) or "none yet (create the channel account first)")
    )


def _token(value: str) -> str:
    return sys.stdin.readline().strip() if value == "-" else value.strip()


def _row(credential: PlatformCredential) -> dict[str, Any]:
    return {
        "account": credential.account_id,
        "platform": credential.platform,
        "handle": credential.handle,
        "external_id": credential.external_id,
        "status": credential.status,
        # Shown in the platform's zone (Europe/Rome), as every time people read.
        "expires_at": localtime(credential.expires_at).isoformat()
        if credential.expires_at
        else None,
        "scopes": credential.scopes,
    }
