"""The editorial calendar: every scheduled variant by month, week or as a list, and moving one.

Reads go through ``selectors`` (a fixed number of queries whatever the number of posts);
moving a post goes through ``services.variant_schedule``, which checks the campaign's
window, the account's spacing and the person's grants. The page works without JavaScript
(a reschedule form per entry); ``static/campaigns/calendar.js`` adds drag and drop, posting
to the same endpoint and showing the service's refusal when there is one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns import services
from quartieri.campaigns.filters import CalendarFilterSet
from quartieri.campaigns.forms import ScheduleForm
from quartieri.campaigns.media import media_public_url
from quartieri.campaigns.models import Variant
from quartieri.campaigns.selectors import (
    ROME,
    calendar_base,
    calendar_spacing_warnings,
    calendar_unscheduled,
    calendar_variants,
)
from quartieri.channels.base import ChannelKind
from quartieri.channels.models import AccountGrant
from quartieri.channels.registry import KINDS, kind_for, kind_stylesheet
from quartieri.channels.selectors import Duty, account_allows, user_grants

VIEWS = ("month", "week", "list")
_MOVABLE = (Variant.Status.APPROVED, Variant.Status.SCHEDULED)
_DAY = dt.timedelta(days=1)
# Posts shown in a day cell of the month view before "N more".
MONTH_DAY_LIMIT = 6


@dataclass(frozen=True)
class Period:
    view: str
    anchor: dt.date
    first_day: dt.date
    last_day: dt.date
    previous: dt.date
    next: dt.date

    @property
    def days(self) -> list[dt.date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + dt.timedelta(days=n) for n in range(count)]


def _month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def period_for(*, view: str, anchor: dt.date) -> Period:
    """The days a view shows: whole Monday–Sunday weeks around the month, or one week."""
    if view == "week":
        monday = anchor - dt.timedelta(days=anchor.weekday())
        return Period(
            view,
            anchor,
            monday,
            monday + dt.timedelta(days=6),
            monday - dt.timedelta(days=7),
            monday + dt.timedelta(days=7),
        )
    first = _month_start(anchor)
    last = _month_start(anchor, 1) - dt.timedelta(days=1)
    if view == "month":
        # The grid shows whole weeks, so the days of the adjacent months in it are loaded too.
        grid_first = first - dt.timedelta(days=first.weekday())
        grid_last = last + dt.timedelta(days=6 - last.weekday())
        return Period(
            view,
            anchor,
            grid_first,
            grid_last,
            _month_start(anchor, -1),
            last + dt.timedelta(days=1),
        )
    return Period(view, anchor, first, last, _month_start(anchor, -1), last + dt.timedelta(days=1))


def _anchor(value: str | None, shown: QuerySet[Variant]) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else _opening_day(shown)
    except ValueError:
        return timezone.localdate()


def _opening_day(shown: QuerySet[Variant]) -> dt.date:
    """Where the calendar opens without a date: today, while anything shown is scheduled
    from today on (a running campaign); else the day of the last post shown, so that a
    finished campaign opens on its posts rather than on an empty month."""
    today = timezone.localdate()
    dated = shown.filter(scheduled_at__isnull=False)
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    if dated.filter(scheduled_at__gte=midnight).exists():
        return today
    last = dated.order_by("-scheduled_at").values_list("scheduled_at", flat=True).first()
    return timezone.localdate(last) if last is not None else today


@dataclass
class Entry:
    """One variant as the calendar shows it."""

    variant: Variant
    local: dt.datetime | None
    warning: str
    can_move: bool

    @property
    def time_label(self) -> str:
        if self.local is None:
            return ""
        label = self.local.strftime("%H:%M")
        # On the night the clocks go back 02:30 happens twice: say which one.
        if self.local.replace(fold=0).utcoffset() != self.local.replace(fold=1).utcoffset():
            offset = self.local.strftime("%z")
            label += f" ({offset[:3]}:{offset[3:]})"
        return label

    @property
    def kind(self) -> ChannelKind:
        """The channel's kind: its label, colour and icon mark the entry."""
        return kind_for(self.variant.account.platform)

    @cached_property
    def thumbnail_url(self) -> str:
        """The first picture or video frame of the post (media prefetched in pk order by
        ``selectors.calendar_base``); '' when it has none or its thumbnail could not be made."""
        media = list(self.variant.media.all())
        return media_public_url(media[0].thumbnail) if media else ""

    @property
    def excerpt(self) -> str:
        text = self.variant.title or self.variant.caption or self.variant.content_item.title
        return text if len(text) <= 80 else text[:79].rstrip() + "…"


def _entries(user: User | Any, variants: list[Variant], warnings: dict[int, str]) -> list[Entry]:
    grants: dict[int, AccountGrant] | None = None
    if isinstance(user, User) and user_can(user, Capability.DRAFT_CONTENT):
        grants = user_grants(user=user)  # one query for every row's hint

    def movable(variant: Variant) -> bool:
        if grants is None or variant.status not in _MOVABLE:
            return False
        return not account_allows(
            user=user, account=variant.account, duty=Duty.PUBLISH, grants=grants
        )

    return [
        Entry(
            variant=variant,
            local=timezone.localtime(variant.scheduled_at, ROME) if variant.scheduled_at else None,
            warning=warnings.get(variant.pk, ""),
            can_move=movable(variant),
        )
        for variant in variants
    ]


@dataclass(frozen=True)
class Day:
    """A day cell of the month grid: the first posts, and how many more the week view has."""

    date: dt.date
    entries: list[Entry]
    more: int
    more_warnings: int


def _day(date: dt.date, entries: list[Entry], *, limit: int | None) -> Day:
    hidden = entries[limit:] if limit is not None else []
    return Day(date, entries[:limit], len(hidden), sum(1 for e in hidden if e.warning))


def _weeks(period: Period, entries: list[Entry]) -> list[list[Day]]:
    by_day: dict[dt.date, list[Entry]] = {day: [] for day in period.days}
    for entry in entries:
        if entry.local is not None and entry.local.date() in by_day:
            by_day[entry.local.date()].append(entry)
    # A full day would make a month cell unreadable and the page grow with every post: the
    # week view lists them all (and the month stays fast with thousands of posts).
    limit = MONTH_DAY_LIMIT if period.view == "month" else None
    days = [_day(date, day_entries, limit=limit) for date, day_entries in by_day.items()]
    return [days[n : n + 7] for n in range(0, len(days), 7)]


def _in_period(variant: Variant, period: Period) -> bool:
    if variant.scheduled_at is None:
        return False
    return (
        period.first_day <= timezone.localtime(variant.scheduled_at, ROME).date() <= period.last_day
    )


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def calendar_view(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "month")
    view = view if view in VIEWS else "month"
    filterset = CalendarFilterSet(request.GET, queryset=calendar_base())
    form = filterset.form
    period = period_for(view=view, anchor=_anchor(request.GET.get("date"), filterset.qs))
    # A day more on each side, so a post just before or after the period still counts for
    # the spacing warning of its neighbour inside it.
    loaded = calendar_variants(
        first_day=period.first_day - _DAY, last_day=period.last_day + _DAY, variants=filterset.qs
    )
    warnings = calendar_spacing_warnings(variants=loaded)
    variants = [variant for variant in loaded if _in_period(variant, period)]
    unscheduled = calendar_unscheduled(variants=filterset.qs) if view == "list" else []
    entries = _entries(request.user, variants + unscheduled, warnings)
    scheduled, waiting = entries[: len(variants)], entries[len(variants) :]
    query = {key: value for key, value in request.GET.items() if key in form.fields and value}
    return render(
        request,
        "campaigns/calendar_page.html",
        {
            "period": period,
            "view_links": [("month", _("Month")), ("week", _("Week")), ("list", _("List"))],
            "form": form,
            "entries": scheduled,
            "waiting": waiting,
            "weeks": _weeks(period, scheduled),
            "weekdays": [WEEKDAYS[n] for n in range(7)],
            "warning_count": len(warnings),
            "kinds_shown": _kinds_shown(entries),
            "slot_accounts": {
                e.variant.account.pk: e.variant.account for e in entries if e.can_move
            },
            "filter_query": urlencode(query),
            "here": request.get_full_path(),
        },
    )


def _kinds_shown(entries: list[Entry]) -> list[ChannelKind]:
    """The legend: each kind on the page once, in the registry's order."""
    slugs = {entry.variant.account.platform for entry in entries}
    return [kind_for(slug) for slug in KINDS if slug in slugs]


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def calendar_kinds_css_view(request: HttpRequest) -> HttpResponse:
    """The kinds' colours as a stylesheet (the CSP forbids inline styles)."""
    response = HttpResponse(kind_stylesheet(), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _resolve(request: HttpRequest) -> tuple[dt.datetime, str]:
    resolved = ScheduleForm(request.POST).resolved()
    return resolved.at, resolved.warning


@require_POST
@require_capability(Capability.DRAFT_CONTENT)  # scheduling needs it; analysts get 403 here
def calendar_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a variant to a new day and time; ``variant_schedule`` has the last word."""
    variant = get_object_or_404(Variant.objects.select_related("content_item__campaign"), pk=pk)
    if not isinstance(request.user, User):
        raise PermissionDenied
    errors: list[str] = []
    warning = ""
    status = 200
    try:
        at, warning = _resolve(request)
        variant = services.variant_schedule(actor=request.user, variant=variant, at=at)
    except PermissionDenied as denied:
        errors, status = [str(denied)], 403
    except ValidationError as invalid:
        errors, status = list(invalid.messages), 400
    if request.headers.get("HX-Request") == "true":
        return _htmx_reply(request, variant, errors=errors, warning=warning, status=status)
    if _wants_json(request):
        return _json_reply(variant, errors=errors, warning=warning, status=status)
    for message in errors:
        messages.error(request, message)
    if not errors:
        if warning:
            messages.warning(request, warning)
        messages.success(request, _("Moved: %(variant)s.") % {"variant": variant})
    return redirect(_back(request, variant))


def _moved(variant: Variant) -> dict[str, Any]:
    assert variant.scheduled_at is not None  # noqa: S101 (variant_schedule set it)
    local = timezone.localtime(variant.scheduled_at, ROME)
    return {
        "variant": variant.pk,
        "day": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "datetime": local.isoformat(),
    }


def _htmx_reply(
    request: HttpRequest, variant: Variant, *, errors: list[str], warning: str, status: int
) -> HttpResponse:
    """The drag and drop answer: the message for the feedback area, and on success an
    ``HX-Trigger`` event with the new day and time, on which calendar.js moves the entry."""
    lines = errors or [_("Moved: %(variant)s.") % {"variant": variant}]
    if warning and not errors:
        lines.append(warning)
    response = render(
        request,
        "campaigns/calendar_feedback.html",
        {"lines": lines, "kind": "danger" if errors else "success"},
        status=status,
    )
    if not errors:
        response["HX-Trigger"] = json.dumps({"calendar-moved": _moved(variant)})
    return response


def _json_reply(variant: Variant, *, errors: list[str], warning: str, status: int) -> JsonResponse:
    if errors or variant.scheduled_at is None:
        return JsonResponse({"ok": False, "errors": errors}, status=status)
    message = _("Moved: %(variant)s.") % {"variant": variant}
    return JsonResponse({"ok": True, "message": message, "warning": warning, **_moved(variant)})


def _back(request: HttpRequest, variant: Variant) -> str:
    """The calendar page the person came from (same view and filters), on the variant's day."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("campaigns:calendar")
    parts = urlsplit(target)
    query = dict(parse_qsl(parts.query))
    if variant.scheduled_at is not None:
        query["date"] = timezone.localtime(variant.scheduled_at, ROME).date().isoformat()
    return urlunsplit(("", "", parts.path, urlencode(query), f"entry-{variant.pk}"))
