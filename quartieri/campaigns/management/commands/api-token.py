"""`quartieri api-token create USERNAME --name NAME`: a REST API token, printed once."""

# The file name is the command name, and the CLI documents it with a hyphen.
# ruff: noqa: N999

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from quartieri.accounts.models import User
from quartieri.campaigns import services
from quartieri.lib.commands import QuartieriCommand, UsageError


class Command(QuartieriCommand):
    help = "API tokens: create one for a person (shown once; only its SHA-256 is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="A new token acting as USERNAME.")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise UsageError("--name must not be blank")
        user = User.objects.filter(username=options["username"]).first()
        if user is None or not user.is_active:
            raise UsageError(f"no active user {options['username']!r}")
        _row, token = services.api_token_create(actor=None, user=user, name=name)
        self.stdout.write(token)
        self.stderr.write(
            f"Token {name!r} for {user.username}: keep it now, it will not be shown again."
        )
