from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandParser
from django.utils.timezone import localtime

from quartieri.lib.commands import QuartieriCommand, UsageError
from quartieri.publishing.connectors import platform_slugs
from quartieri.publishing.connectors.base import TokenSet
from quartieri.publishing.selectors import credential_list
from quartieri.publishing.services import (
    CredentialError,
    credential_rotate_keys,
    credential_store,
)


class Command(QuartieriCommand):
    help = (
        "Connect platform accounts and list them. 'connect' stores an account's tokens "
        "encrypted (pass '-' as a token to read it from standard input, keeping it out of "
        "the shell history); 'list' shows accounts without their tokens; 'rotate-keys' "
        "re-encrypts every token with the first of QUARTIERI_ENCRYPTION_KEYS."
    )
    # --format belongs to each sub-command (``publishing list --format json``), so it is
    # added below rather than by QuartieriCommand on the group's parser.
    output_formats = ("table", "json")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        connect = actions.add_parser("connect", help="store the tokens of one account")
        # Keyed by platform and handle until the campaigns app brings channel accounts;
        # then the command becomes `publishing connect ACCOUNT …`.
        connect.add_argument("--platform", required=True, help=", ".join(platform_slugs()))
        connect.add_argument("--handle", required=True, help="the account's name, e.g. @visitcomo")
        connect.add_argument("--access-token", required=True, help="the token, or - for stdin")
        connect.add_argument("--refresh-token", default="", help="the refresh token, or -")
        connect.add_argument(
            "--expires-in", type=int, default=None, help="seconds, as the platform returned it"
        )
        connect.add_argument("--external-id", default="", help="IG user id, Page id, open_id")
        connect.add_argument("--scopes", default="", help="comma-separated permissions granted")
        listing = actions.add_parser("list", help="list connected accounts (never their tokens)")
        rotate = actions.add_parser(
            "rotate-keys", help="re-encrypt every token with the newest encryption key"
        )
        for sub in (connect, listing, rotate):
            sub.add_argument(
                "--format",
                choices=list(self.output_formats),
                default=self.output_formats[0],
                help="Output format: a table for people, json for scripts.",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "connect":
            self._connect(options)
        elif options["action"] == "rotate-keys":
            self._rotate(options)
        else:
            self._list(options)

    def _connect(self, options: dict[str, Any]) -> None:
        expires_in = options["expires_in"]
        if expires_in is not None and expires_in <= 0:
            raise UsageError(f"--expires-in {expires_in} must be a positive number of seconds")
        tokens = TokenSet.from_response(
            access_token=_token(options["access_token"]),
            refresh_token=_token(options["refresh_token"]),
            expires_in=expires_in,
            scopes=tuple(s.strip() for s in options["scopes"].split(",") if s.strip()),
        )
        try:
            credential = credential_store(
                actor=None,
                platform=options["platform"],
                handle=options["handle"],
                tokens=tokens,
                external_id=options["external_id"],
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

    def _list(self, options: dict[str, Any]) -> None:
        rows = [_row(credential) for credential in credential_list()]
        if options["format"] == "json":
            self.emit_json(rows)
            return
        columns = ("platform", "handle", "status", "expires_at")
        self.emit_table(columns=columns, rows=[[row[c] or "" for c in columns] for row in rows])


def _token(value: str) -> str:
    return sys.stdin.readline().strip() if value == "-" else value.strip()


def _row(credential: Any) -> dict[str, Any]:
    return {
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
