"""``quartieri newsletter import``: every row imported, merged or rejected with its reason."""

from __future__ import annotations

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quartieri.newsletter.models import ConsentRecord, Subscriber, Subscription, Suppression
from quartieri.newsletter.services import suppression_add


def _import(path, *extra):
    out = StringIO()
    call_command(
        "newsletter",
        "import",
        str(path),
        "--list",
        "daily",
        "--consent-note",
        "Paper form at the Isola fair, 2024",
        "--format",
        "json",
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


def _rejects(summary):
    with open(summary["rejects_file"], newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_each_row_ends_imported_merged_or_rejected_with_line_and_reason(
    tmp_path, daily, subscribe_people
):
    subscribe_people(1, prefix="known")  # known0@example.org is on the list already
    suppression_add(email="bounced@example.org", reason=Suppression.Reason.HARD_BOUNCE)
    lines = [
        b"email,name,language,interests,consent",
        b"anna@example.org,Anna,it,isola;baggio,yes",  # 2 imported
        b"KNOWN0@example.org,,en,,yes",  # 3 merged
        b"not-an-address,Bob,it,,yes",  # 4 malformed
        b"anna@example.org,Anna again,it,,yes",  # 5 duplicate
        b"carla@example.org,Carla,it,,",  # 6 missing consent
        b"dario@example.org,Dario\xff\xfe,it,,yes",  # 7 not UTF-8
        b"elena@example.org,Elena,it",  # 8 wrong number of columns
        b"bounced@example.org,B,it,,yes",  # 9 suppressed
        b"",  # a blank line is no row
        b'=HYPERLINK("http://evil"),x,it,,yes',  # 11 malformed, and a formula
        b"fabio@example.org,Fabio,en,,si",  # 12 imported
    ]
    path = tmp_path / "people.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")

    summary = _import(path)

    assert summary["rows"] == 10
    assert (summary["imported"], summary["merged"], summary["rejected"]) == (2, 1, 7)
    assert summary["imported"] + summary["merged"] + summary["rejected"] == summary["rows"]
    rejects = _rejects(summary)
    assert rejects[0] == ["line", "reason", "email", "name", "language", "interests", "consent"]
    reasons = {int(row[0]): row[1] for row in rejects[1:]}
    assert reasons[4] == "malformed address"
    assert reasons[5] == "duplicate of an earlier row"
    assert reasons[6] == "missing consent"
    assert reasons[7] == "bad encoding: not UTF-8"
    assert reasons[8].startswith("wrong number of columns")
    assert reasons[9].startswith("suppressed")
    assert reasons[11] == "malformed address"
    formula = next(row for row in rejects if row[0] == "11")
    assert formula[2].startswith("'=HYPERLINK")  # neutralised for spreadsheets
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "anna@example.org",
        "fabio@example.org",
        "known0@example.org",
    }
    anna = Subscriber.objects.get(email="anna@example.org")
    assert (anna.status, anna.interests) == ("confirmed", ["isola", "baggio"])
    record = ConsentRecord.objects.get(subscriber=anna)
    assert (record.action, record.source, record.note) == (
        "imported",
        "import:people.csv",
        "Paper form at the Isola fair, 2024",
    )
    assert Subscription.objects.filter(newsletter_list=daily, status="confirmed").count() == 3


def test_a_second_import_of_the_same_file_only_merges(tmp_path, daily):
    path = tmp_path / "people.csv"
    path.write_text("email,consent\nanna@example.org,yes\nbea@example.org,yes\n")
    _import(path)
    summary = _import(path)
    assert (summary["imported"], summary["merged"], summary["rejected"]) == (0, 2, 0)
    assert ConsentRecord.objects.count() == 2  # nothing new to record


def test_an_unsubscribed_person_is_not_brought_back_by_an_import(tmp_path, daily, subscribe_people):
    subscribe_people(1, prefix="left", subscription="unsubscribed")
    path = tmp_path / "people.csv"
    path.write_text("email,consent\nleft0@example.org,yes\n")
    summary = _import(path)
    assert summary["rejected"] == 1
    assert "new opt-in" in _rejects(summary)[1][1]
    assert Subscription.objects.get().status == "unsubscribed"


def test_a_wrong_header_refuses_the_file_and_writes_nothing(tmp_path, daily):
    path = tmp_path / "people.csv"
    path.write_text("mail,agreed\nanna@example.org,yes\n")
    with pytest.raises(CommandError, match="header must name the columns email, consent") as error:
        _import(path)
    assert error.value.returncode == 2
    assert not Subscriber.objects.exists()


def test_the_list_export_neutralises_formulas(daily, subscribe_people):
    person = subscribe_people(1)[0]
    Subscriber.objects.filter(pk=person.pk).update(name="=cmd|' /C calc'!A0")
    out = StringIO()
    call_command("newsletter", "export", "--list", "daily", stdout=out)
    rows = list(csv.reader(StringIO(out.getvalue())))
    assert rows[0][0] == "email"
    assert rows[1][1] == "'=cmd|' /C calc'!A0"
