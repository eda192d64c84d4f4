"""``quartieri newsletter import``: a CSV of any size into a list, row by row.

The file is read one line at a time (bytes), so its size does not matter and one line that
is not UTF-8 is one rejected row, never the end of the import. Every data row ends in
exactly one of: imported (a new subscriber), merged (an existing subscriber, now also on
this list), or the rejects file with its line number and reason; the counts add up to the
rows read. Rows are written in chunks, each in one transaction.

Format: a header naming the columns, ``email`` and ``consent`` required, ``name``,
``language`` (it|en) and ``interests`` (separated by ``;``) optional; one record per line.
``consent`` must say yes (yes/true/1/sì); the ``--consent-note`` says where the consent
was given and is kept in each subscriber's consent record.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from quartieri.lib.spreadsheet import safe_cell
from quartieri.newsletter.models import (
    ConsentRecord,
    NewsletterList,
    Subscriber,
    Subscription,
    Suppression,
)
from quartieri.newsletter.tokens import email_hashes, email_normalise

REQUIRED = ("email", "consent")
OPTIONAL = ("name", "language", "interests")
YES = {"yes", "y", "true", "1", "si", "sì", "x"}
CHUNK = 1000


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (its header); nothing was written."""


@dataclass
class ImportSummary:
    rows: int = 0
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    rejects_file: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "merged": self.merged,
            "rejected": self.rejected,
            "rejects_file": self.rejects_file,
        }


@dataclass
class _Row:
    line: int
    cells: list[str]
    email: str
    name: str
    language: str
    interests: list[str]


@dataclass
class _Importer:
    newsletter_list: NewsletterList
    source: str
    note: str
    header: list[str]
    rejects: csv.writer  # type: ignore[valid-type]
    summary: ImportSummary
    seen: set[bytes] = field(default_factory=set)

    def reject(self, line: int, reason: str, cells: list[str]) -> None:
        self.summary.rejected += 1
        self.rejects.writerow([line, reason, *(safe_cell(c) for c in cells)])  # type: ignore[attr-defined]

    def parse(self, line: int, cells: list[str]) -> _Row | None:
        if len(cells) != len(self.header):
            self.reject(
                line, f"wrong number of columns: {len(cells)}, expected {len(self.header)}", cells
            )
            return None
        values = dict(zip(self.header, (c.strip() for c in cells), strict=True))
        try:
            email = email_normalise(values["email"])
        except ValidationError:
            self.reject(line, "malformed address", cells)
            return None
        if values["consent"].lower() not in YES:
            self.reject(line, "missing consent", cells)
            return None
        language = values.get("language", "").lower() or "it"
        if language not in {"it", "en"}:
            self.reject(line, f"unknown language {language!r} (it or en)", cells)
            return None
        key = hashlib.blake2b(email.encode(), digest_size=8).digest()
        if key in self.seen:
            self.reject(line, "duplicate of an earlier row", cells)
            return None
        self.seen.add(key)
        interests = [i.strip().lower() for i in values.get("interests", "").split(";") if i.strip()]
        return _Row(line, cells, email, values.get("name", "")[:100], language, interests)

    def write(self, rows: list[_Row]) -> None:
        if rows:
            with transaction.atomic():
                self._write(rows)

    def _write(self, rows: list[_Row]) -> None:
        emails = [row.email for row in rows]
        existing = {s.email: s for s in Subscriber.objects.filter(email__in=emails)}
        hashes = {h: row.email for row in rows for h in email_hashes(row.email)}
        suppressed = {
            hashes[h]
            for h in Suppression.objects.filter(email_hash__in=hashes).values_list(
                "email_hash", flat=True
            )
        }
        subscriptions = {
            s.subscriber_id: s
            for s in Subscription.objects.filter(
                newsletter_list=self.newsletter_list, subscriber__email__in=emails
            )
        }
        now = timezone.now()
        new = [
            Subscriber(
                email=r.email,
                name=r.name,
                language=r.language,
                interests=r.interests,
                status=Subscriber.Status.CONFIRMED,
            )
            for r in rows
            if r.email not in existing and r.email not in suppressed
        ]
        for made in Subscriber.objects.bulk_create(new):
            existing[made.email] = made
        new_ids = {s.pk for s in new}
        to_subscribe: list[Subscriber] = []
        for row in rows:
            subscriber = existing.get(row.email)
            blocked = subscriber is not None and subscriber.status in {
                Subscriber.Status.BOUNCED,
                Subscriber.Status.COMPLAINED,
            }
            if row.email in suppressed or blocked or subscriber is None:
                self.reject(
                    row.line,
                    "suppressed (bounce, complaint or erasure): never mailed again",
                    row.cells,
                )
                continue
            subscription = subscriptions.get(subscriber.pk)
            if subscription is not None and subscription.status == Subscription.Status.UNSUBSCRIBED:
                self.reject(
                    row.line,
                    "unsubscribed from this list: only a new opt-in brings them back",
                    row.cells,
                )
                continue
            if subscriber.pk in new_ids:
                self.summary.imported += 1
            else:
                self.summary.merged += 1
            if subscription is None or subscription.status != Subscription.Status.CONFIRMED:
                to_subscribe.append(subscriber)
        Subscription.objects.filter(
            newsletter_list=self.newsletter_list, subscriber__in=to_subscribe
        ).update(status=Subscription.Status.CONFIRMED, confirmed_at=now)
        Subscription.objects.bulk_create(
            [
                Subscription(
                    subscriber=s,
                    newsletter_list=self.newsletter_list,
                    status=Subscription.Status.CONFIRMED,
                    confirmed_at=now,
                )
                for s in to_subscribe
            ],
            ignore_conflicts=True,
        )
        Subscriber.objects.filter(
            pk__in=[s.pk for s in to_subscribe],
            status__in=[Subscriber.Status.PENDING, Subscriber.Status.UNSUBSCRIBED],
        ).update(status=Subscriber.Status.CONFIRMED)
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(
                    subscriber=s,
                    newsletter_list=self.newsletter_list,
                    action=ConsentRecord.Action.IMPORTED,
                    at=now,
                    source=self.source[:200],
                    note=self.note,
                )
                for s in to_subscribe
            ]
        )


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, str | None, bytes]]:
    """(line number, text or None when not UTF-8, raw bytes), one physical line at a time."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield number, raw.decode("utf-8").rstrip("\r\n"), raw
        except UnicodeDecodeError:
            yield number, None, raw


def _header(text: str | None) -> list[str]:
    if text is None:
        raise ImportFileError("line 1 (the header) is not UTF-8 text")
    header = [cell.strip().lower() for cell in next(csv.reader([text]), [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown or len(set(header)) != len(header):
        raise ImportFileError(
            f"line 1: the header must name the columns {', '.join(REQUIRED)} and may add "
            f"{', '.join(OPTIONAL)}; found {', '.join(header) or 'nothing'}"
        )
    return header


def subscribers_import(
    *, path: Path, newsletter_list: NewsletterList, consent_note: str, rejects_path: Path
) -> ImportSummary:
    if not consent_note.strip():
        raise ImportFileError("--consent-note must say where and how the consent was given")
    summary = ImportSummary(rejects_file=str(rejects_path))
    with path.open("rb") as stream, rejects_path.open("w", newline="", encoding="utf-8") as out:
        lines = _lines(stream)
        first = next(lines, None)
        header = _header(first[1] if first else "")
        writer = csv.writer(out)
        writer.writerow(["line", "reason", *header])
        importer = _Importer(
            newsletter_list, f"import:{path.name}", consent_note.strip(), header, writer, summary
        )
        chunk: list[_Row] = []
        for number, text, raw in lines:
            if text is not None and not text.strip():
                continue  # a blank line is no row
            summary.rows += 1
            if text is None:
                importer.reject(
                    number,
                    "bad encoding: not UTF-8",
                    [raw.decode("utf-8", "replace").rstrip("\r\n")],
                )
                continue
            row = importer.parse(number, next(csv.reader([text]), []))
            if row is not None:
                chunk.append(row)
            if len(chunk) >= CHUNK:
                importer.write(chunk)
                chunk = []
        importer.write(chunk)
    return summary
