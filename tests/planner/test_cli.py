"""`quartieri plan` and `quartieri audiences`: JSON shape and one-line errors (exit 2)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

QUARTIERI = str(Path(sys.executable).parent / "quartieri")


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_plan_json_has_the_documented_shape(catalogue):
    plan = run(
        "plan",
        "--audience",
        "international-students",
        "--budget",
        "8000",
        "--weeks",
        "6",
        "--hours-per-week",
        "5",
        "--format",
        "json",
    )
    assert {
        "audiences",
        "budget",
        "objective",
        "total_reach",
        "total_reach_pct",
        "channels",
    } <= set(plan)
    assert plan["budget"] == 8000.0
    assert plan["objective"] == "reach"
    assert isinstance(plan["total_reach"], int)
    assert isinstance(plan["total_reach_pct"], float)
    keys = {
        "channel", "recommended", "rank", "budget", "hours_per_week", "reach", "reach_pct",
        "affinity", "frequency", "cost_per_thousand_reached", "reason", "sources", "assumptions",
    }  # fmt: skip
    for channel in plan["channels"]:
        assert keys <= set(channel)
        assert isinstance(channel["recommended"], bool)
        assert isinstance(channel["rank"], int)
        assert channel["affinity"] is None or isinstance(channel["affinity"], float)
        assert all(set(s) == {"source", "year"} for s in channel["sources"])
        assert all(isinstance(a, str) for a in channel["assumptions"])
    assert [c["rank"] for c in plan["channels"]] == list(range(1, 13))
    assert sum(c["budget"] for c in plan["channels"]) == pytest.approx(8000, abs=0.1)


def test_plan_restricted_to_chosen_channels(catalogue):
    plan = run(
        "plan",
        "--audience",
        "all-residents",
        "--channels",
        "facebook,newsletter",
        "--format",
        "json",
    )
    recommended = {c["channel"] for c in plan["channels"] if c["recommended"]}
    assert recommended <= {"facebook", "newsletter"}


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--audience", "martians"], "martians"),
        (["--audience", "all-residents", "--channels", "facebook,pigeons"], "pigeons"),
        (["--audience", "all-residents", "--budget", "-5"], "-5"),
        (["--audience", "all-residents", "--weeks", "0"], "0"),
        (["--audience", "all-residents", "--objective", "fame"], "fame"),
        (["--audience", "all-residents", "--budget", "lots"], "lots"),
        (["--audience", "residents-18-29"], "residents-18-29"),
        ([], "--audience"),
    ],
    ids=["audience", "channel", "budget", "weeks", "objective", "number", "no_size", "missing"],
)
def test_bad_values_exit_2_with_one_line_naming_them(catalogue, args, named):
    with pytest.raises(CommandError) as caught:
        call_command("plan", *args)
    assert caught.value.returncode == 2
    message = str(caught.value)
    assert "\n" not in message
    assert named in message


def test_the_console_script_exits_2_without_a_traceback():
    result = subprocess.run(
        [QUARTIERI, "plan", "--audience", "all-residents", "--budget", "-100"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "-100" in lines[0]


def test_audiences_list_json_gives_sizes_and_sources(catalogue):
    rows = run("audiences", "list", "--format", "json")
    by_slug = {row["slug"]: row for row in rows}
    required = {
        "international-students", "university-students", "residents-18-29", "residents-30-44",
        "residents-45-64", "residents-65-plus", "all-residents", "families-with-children",
        "tourists-under-30", "tourists",
    }  # fmt: skip
    assert required <= set(by_slug)
    assert by_slug["all-residents"]["size"] == 1407044
    assert by_slug["international-students"]["source"].startswith("Assolombarda")
    for row in rows:
        # A size always has its source; a missing size says why.
        assert (row["size"] is None and row["note"]) or (row["source"] and row["year"])


def test_plan_table_output_lists_reasons(catalogue):
    out = io.StringIO()
    call_command("plan", "--audience", "international-students", stdout=out)
    text = out.getvalue()
    assert "tiktok" in text
    assert "TikTok:" in text


def test_audiences_load_reports_and_refuses_a_missing_folder(db, tmp_path):
    report = run("audiences", "load", "--format", "json")
    assert report["created"] > 100
    assert run("audiences", "load", "--format", "json") == {"created": 0, "updated": 0}
    with pytest.raises(CommandError) as caught:
        call_command("audiences", "load", "--directory", str(tmp_path / "nowhere"))
    assert caught.value.returncode == 2
    assert "nowhere" in str(caught.value)
