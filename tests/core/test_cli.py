"""The `quartieri` command line: help, one-line errors with status 2, demo output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.processes import REPO, platform_env, quartieri, run

__all__ = ["platform_env"]


def test_help_explains_every_quartieri_command():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "serve", "worker", "sweep", "migrate"):
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "names"),
    [
        pytest.param(("nope",), {}, "nope", id="unknown_command_case"),
        pytest.param(("serve", "--port", "abc"), {}, "--port", id="bad_argument_case"),
        pytest.param(("serve", "--port", "70000"), {}, "70000", id="bad_value_case"),
        pytest.param(("check",), {"QUARTIERI_DEBUG": "maybe"}, "QUARTIERI_DEBUG", id="bad_bool"),
        pytest.param(
            ("check",), {"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL", id="bad_database_case"
        ),
        pytest.param(
            ("check",),
            {"QUARTIERI_PUBLIC_URL": "http://quartieri.example.org"},
            "QUARTIERI_PUBLIC_URL",
            id="plain_http_in_production_case",
        ),
        pytest.param(
            ("check",), {"QUARTIERI_WORKER_STALE_SECONDS": "x"}, "QUARTIERI_WORKER", id="bad_int"
        ),
    ],
)
def test_wrong_input_exits_2_with_one_line_naming_it(args, env, names, tmp_path):
    result = run(*args, QUARTIERI_DATA_DIR=str(tmp_path), **env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert names in lines[0]
    assert "Traceback" not in result.stderr


def test_https_turns_on_transport_security(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("QUARTIERI_")},
        "DJANGO_SETTINGS_MODULE": "quartieri.settings",
        "QUARTIERI_DATA_DIR": str(tmp_path),
        "QUARTIERI_PUBLIC_URL": "https://quartieri.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "False"]


@pytest.mark.slow
def test_demo_prints_one_login_per_role_and_is_safe_to_run_again(platform_env):
    first = quartieri(platform_env, "demo", "--format", "json")
    assert first.returncode == 0, first.stderr
    logins = json.loads(first.stdout)["logins"]
    assert sorted(login["role"] for login in logins) == ["admin", "analyst", "approver", "editor"]

    count_users = (
        "from quartieri.accounts.models import User, AuditEvent; "
        "print(User.objects.count(), AuditEvent.objects.count())"
    )
    before = quartieri(platform_env, "shell", "-c", count_users).stdout.splitlines()[-1]
    again = quartieri(platform_env, "demo", "--format", "json")
    assert again.returncode == 0, again.stderr
    after = quartieri(platform_env, "shell", "-c", count_users).stdout.splitlines()[-1]
    # The second run creates nobody and changes nothing a person could see in the audit log
    assert after == before
    assert int(before.split()[0]) >= 4

    reset = quartieri(platform_env, "demo", "--reset", "--format", "json")
    assert reset.returncode == 0, reset.stderr
