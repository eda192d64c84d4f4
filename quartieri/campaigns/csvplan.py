"""A campaign's content plan as CSV: export every variant, import new drafts.

Columns (export and import): date, time, account, platform, post_type, neighbourhood,
title, caption, hashtags, link, status. Date and time are Europe/Rome wall clock.

The import is **validated whole**: every row is read and checked first, then all rows are
written in one transaction through ``content_item_create`` and ``variant_create`` (so the
role and the per-account grant are checked for each row, as on the web); the first bad row
stops everything with its line number and the reason, and nothing is written. Rows with the
same title and neighbourhood become one content item with one variant per account. Every
imported variant is a draft: ``status``, ``date`` and ``time`` are checked but not applied
(a post is scheduled only after approval).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.campaigns import services
from quartieri.campaigns.models import Campaign, ContentItem, Variant
from quartieri.campaigns.selectors import api_variant_list
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import kind_for
from quartieri.channels.rules import PostType
from quartieri.places.models import Neighbourhood

ROME = ZoneInfo("Europe/Rome")
COLUMNS = (
    "date",
    "time",
    "account",
    "platform",
    "post_type",
    "neighbourhood",
    "title",
    "caption",
    "hashtags",
    "link",
    "status",
)
REQUIRED = ("account", "platform", "title")
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024


class PlanError(ValueError):
    """A plan file that cannot be imported; the message names the line and the reason."""


# ---------------------------------------------------------------------------- export


def _row(variant: Variant) -> list[str]:
    local = variant.scheduled_at.astimezone(ROME) if variant.scheduled_at else None
    item = variant.content_item
    return [
        local.date().isoformat() if local else "",
        local.strftime("%H:%M") if local else "",
        variant.account.handle,
        variant.account.platform,
        variant.post_type,
        item.neighbourhood.slug if item.neighbourhood else "",
        item.title,
        variant.caption,
        " ".join(f"#{str(tag).lstrip('#')}" for tag in variant.hashtags),
        variant.link,
        variant.status,
    ]


def plan_export(*, campaign: Campaign) -> Iterator[str]:
    """CSV lines of every variant of ``campaign`` (header first), ordered by time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield _flush(buffer)
    for variant in api_variant_list(campaign=campaign.slug).iterator(chunk_size=500):
        writer.writerow([_safe_cell(cell) for cell in _row(variant)])
        yield _flush(buffer)


def _flush(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets (CSV injection): a
    # leading apostrophe keeps it text; the import removes it again (see _unescape).
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _unescape(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


# ---------------------------------------------------------------------------- import


@dataclass
class PlanRow:
    line: int
    account: ChannelAccount
    post_type: str
    neighbourhood: Neighbourhood | None
    title: str
    caption: str
    hashtags: list[str]
    link: str


@dataclass
class PlanResult:
    items: int = 0
    variants: list[Variant] = field(default_factory=list)


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise PlanError(
            _("The file is larger than %(limit)s MB.") % {"limit": MAX_BYTES // (1024 * 1024)}
        )
    try:
        return data.decode("utf-8-sig")  # a BOM from spreadsheet exports is fine
    except UnicodeDecodeError as error:
        raise PlanError(_("The file is not UTF-8 text.")) from error


def _reader(text: str) -> csv.DictReader[str]:
    first_line = text.split("\n", 1)[0]
    # Spreadsheets with an Italian locale save with ";".
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise PlanError(
            _("Line 1: missing column(s) %(columns)s.") % {"columns": ", ".join(missing)}
        )
    reader.fieldnames = header
    return reader


def _records(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    line = 2
    try:
        for record in reader:
            if None in record:
                raise PlanError(_("Line %(line)s: more cells than columns.") % {"line": line})
            cells = {key: _unescape((value or "").strip()) for key, value in record.items()}
            if any(cells.values()):
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise PlanError(_("Line %(line)s: %(reason)s") % {"line": line, "reason": error}) from error


def _fail(line: int, message: str) -> PlanError:
    return PlanError(_("Line %(line)s: %(reason)s") % {"line": line, "reason": message})


class _Lookups:
    """Accounts and neighbourhoods loaded once, not once per row."""

    def __init__(self) -> None:
        self.accounts = {(a.platform, a.handle.lower()): a for a in ChannelAccount.objects.all()}
        self.neighbourhoods = {n.slug: n for n in Neighbourhood.objects.all()}


def _check_when(line: int, cells: dict[str, str], campaign: Campaign) -> None:
    if cells.get("date"):
        try:
            day = dt.date.fromisoformat(cells["date"])
        except ValueError:
            raise _fail(
                line, _("date “%(value)s” is not YYYY-MM-DD.") % {"value": cells["date"]}
            ) from None
        if not campaign.start_date <= day <= campaign.end_date:
            raise _fail(
                line,
                _("%(day)s is outside the campaign (%(start)s – %(end)s).")
                % {"day": day, "start": campaign.start_date, "end": campaign.end_date},
            )
    if cells.get("time"):
        try:
            dt.time.fromisoformat(cells["time"])
        except ValueError:
            raise _fail(
                line, _("time “%(value)s” is not HH:MM.") % {"value": cells["time"]}
            ) from None


def _parse(line: int, cells: dict[str, str], lookups: _Lookups, campaign: Campaign) -> PlanRow:
    platform, handle = cells.get("platform", "").lower(), cells.get("account", "")
    account = lookups.accounts.get((platform, handle.lower()))
    if account is None:
        raise _fail(
            line,
            _("no channel account “%(handle)s” on “%(platform)s”.")
            % {"handle": handle, "platform": platform},
        )
    # Left blank: the kind's most common post (what it gets with no media).
    post_type = cells.get("post_type") or kind_for(platform).default_post_type(
        media_kinds=frozenset()
    )
    if post_type not in PostType.values:
        raise _fail(line, _("unknown post type “%(value)s”.") % {"value": post_type})
    slug = cells.get("neighbourhood", "")
    neighbourhood = lookups.neighbourhoods.get(slug) if slug else None
    if slug and neighbourhood is None:
        raise _fail(line, _("no neighbourhood “%(slug)s”.") % {"slug": slug})
    title = cells.get("title", "")
    if not title or len(title) > 200:
        raise _fail(
            line,
            _("title: %(actual)s characters, must be 1 to %(limit)s.")
            % {"actual": len(title), "limit": 200},
        )
    link = cells.get("link", "")
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise _fail(
                line, _("link “%(value)s” is not a web address.") % {"value": link}
            ) from None
    _check_when(line, cells, campaign)
    if any("\x00" in value for value in cells.values()):
        raise _fail(line, _("the row contains a NUL character."))
    hashtags = [tag.lstrip("#") for tag in cells.get("hashtags", "").replace(",", " ").split()]
    return PlanRow(
        line=line,
        account=account,
        post_type=post_type,
        neighbourhood=neighbourhood,
        title=title,
        caption=cells.get("caption", ""),
        hashtags=[tag for tag in hashtags if tag],
        link=link,
    )


def plan_read(*, campaign: Campaign, data: bytes) -> list[PlanRow]:
    """Every row of a plan file, checked; PlanError names the first bad line."""
    reader = _reader(_decode(data))
    lookups = _Lookups()
    rows: list[PlanRow] = []
    for line, cells in _records(reader):
        if len(rows) == MAX_ROWS:
            raise _fail(line, _("more than %(limit)s rows.") % {"limit": MAX_ROWS})
        rows.append(_parse(line, cells, lookups, campaign))
    if not rows:
        raise PlanError(_("The file has no rows to import."))
    return rows


@transaction.atomic
def plan_import(*, actor: User, campaign: Campaign, rows: Iterable[PlanRow]) -> PlanResult:
    """Create the items and draft variants; the first refused row undoes every write."""
    result = PlanResult()
    items: dict[tuple[str, int | None], ContentItem] = {}
    for row in rows:
        key = (row.title, row.neighbourhood.pk if row.neighbourhood else None)
        try:
            if key not in items:
                items[key] = services.content_item_create(
                    actor=actor,
                    campaign=campaign,
                    title=row.title,
                    neighbourhood_id=key[1],
                )
                result.items += 1
            result.variants.append(
                services.variant_create(
                    actor=actor,
                    content_item=items[key],
                    account=row.account,
                    post_type=row.post_type,
                    caption=row.caption,
                    hashtags=row.hashtags,
                    link=row.link,
                )
            )
        except PermissionDenied as denied:
            raise _fail(row.line, str(denied)) from denied
        except ValidationError as invalid:
            raise _fail(row.line, " ".join(invalid.messages)) from invalid
    return result


def plan_import_file(*, actor: User, campaign: Campaign, data: bytes) -> PlanResult:
    """Read, check and import a whole plan file, or raise PlanError having written nothing."""
    return plan_import(actor=actor, campaign=campaign, rows=plan_read(campaign=campaign, data=data))
