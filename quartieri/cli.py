"""The ``quartieri`` console script: one entry point for people and scripts.

It wraps Django's management commands so that ``quartieri migrate``, ``quartieri demo`` and
``quartieri serve`` work from any folder, a wrong setting or argument ends with one line
and exit status 2, and ``quartieri --help`` explains every command.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

# Django's own commands worth knowing by name; the rest stay reachable but unlisted.
_DJANGO_COMMANDS = (
    "migrate",
    "createsuperuser",
    "changepassword",
    "collectstatic",
    "check",
    "shell",
    "dbshell",
    "makemigrations",
    "compilemessages",
    "makemessages",
)


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"quartieri: {message}\n")
    raise SystemExit(2)


def _one_line_parser_errors() -> None:
    """Make argparse errors one line with exit status 2 instead of a usage block."""
    from django.core.management.base import CommandError, CommandParser

    def error(self: CommandParser, message: str) -> NoReturn:
        if not self.called_from_command_line:
            raise CommandError(f"Error: {message}")
        _fail(f"{self.prog.split()[-1]}: {message} (see '{self.prog} --help')")

    CommandParser.error = error  # type: ignore[method-assign]


def _command_summaries() -> list[tuple[str, str]]:
    from django.core.management import get_commands, load_command_class

    rows = []
    for name, app in sorted(get_commands().items()):
        if not app.startswith("quartieri.") and name not in _DJANGO_COMMANDS:
            continue
        help_text = load_command_class(app, name).help.strip().split(". ")[0].rstrip(".")
        rows.append((name, help_text))
    return rows


def _print_help() -> None:
    lines = [
        "usage: quartieri COMMAND [options]   (quartieri COMMAND --help for its options)",
        "",
        "Plan, produce, publish and measure neighbourhood campaigns.",
        "",
        "commands:",
    ]
    rows = _command_summaries()
    width = max(len(name) for name, _ in rows)
    lines += [f"  {name.ljust(width)}  {text}" for name, text in rows]
    sys.stdout.write("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartieri.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        _fail(f"configuration error: {error}")
    _one_line_parser_errors()
    command = argv[1] if len(argv) > 1 else "--help"
    if command in {"--help", "-h", "help"} and len(argv) <= 2:
        _print_help()
        return
    from django.core.management import ManagementUtility, get_commands

    if command not in get_commands() and command not in {"--version", "version"}:
        _fail(f"unknown command '{command}' (see 'quartieri --help')")
    utility = ManagementUtility(["quartieri", *argv[1:]])
    utility.prog_name = "quartieri"
    utility.execute()


if __name__ == "__main__":
    main()
