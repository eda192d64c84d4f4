"""Staff pages of publishing: the outbox, recovering a post, the accounts' health, the sandbox.

Reads go through ``selectors`` (a fixed number of queries per page), the two buttons through
``recovery`` (which checks who may, and refuses what is not safe); these views only turn
their answers into pages and messages. Connecting accounts is ``views_oauth``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability, Role
from quartieri.accounts.selectors import user_can
from quartieri.channels.models import AccountGrant
from quartieri.channels.selectors import Duty, account_allows, user_grants
from quartieri.core.workers import live_worker_ids
from quartieri.lib.destinations import SETTING as DESTINATIONS_SETTING
from quartieri.lib.destinations import allowed_destinations
from quartieri.publishing import recovery
from quartieri.publishing.filters import OutboxFilterSet
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.sandbox import sandbox_entry_link, sandbox_fetch, sandbox_find
from quartieri.publishing.selectors import (
    LATE,
    AccountHealth,
    account_health_list,
    entry_late,
    late_cutoff,
    outbox_entry_action,
    outbox_entry_history,
    outbox_list,
    outbox_progress,
    outbox_settle_refusal,
    quota_notes,
    variant_outbox_entry,
)

State = OutboxEntry.State
PAGE_SIZE = 50

# What each state means for the person reading the page, and what they can do about it.
STATE_HELP: dict[str, str | Promise] = {
    State.SCHEDULED: gettext_lazy("Waiting for its time. Nothing to do."),
    State.SUBMITTING: gettext_lazy("Being sent to the platform right now."),
    State.SUBMITTED: gettext_lazy(
        "The platform has it and is processing it; quartieri checks until it is out."
    ),
    State.PUBLISHED: gettext_lazy("Out on the platform."),
    State.FAILED: gettext_lazy(
        "Not published, and not on the platform. Do what the message says, then press “Send again”."
    ),
    State.UNCONFIRMED: gettext_lazy(
        "The platform did not confirm it, so it may or may not be out. Quartieri checks on "
        "the platform; do not post it by hand. “Check on the platform” asks now."
    ),
    State.CANCELLED: gettext_lazy(
        "Withdrawn: the post was edited or taken off the calendar. Schedule it again from "
        "its campaign."
    ),
}


LATE_HELP = gettext_lazy(
    "Late: its time has passed and it has not been sent. Either many posts are due at once "
    "and it is waiting its turn, or no worker is running (the banner above says which)."
)


@dataclass(frozen=True)
class OutboxRow:
    entry: OutboxEntry
    link: str
    action: str  # "retry", "reconcile" or ""
    help: str | Promise
    late: bool = False
    settle: bool = False  # the person may say "it is there" / "it is missing"


def _person(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has signed everyone in; this narrows the type.
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _grants(user: User) -> dict[int, AccountGrant]:
    # Without the role to publish, no grant matters: spare the query.
    return user_grants(user=user) if user_can(user, Capability.DRAFT_CONTENT) else {}


def _rows(user: User, entries: Page[OutboxEntry] | list[OutboxEntry]) -> list[OutboxRow]:
    grants = _grants(user)
    cutoff = late_cutoff()
    rows = []
    for entry in entries:
        late = entry_late(entry, cutoff=cutoff)
        rows.append(
            OutboxRow(
                entry=entry,
                link=sandbox_entry_link(entry),
                action=outbox_entry_action(user=user, entry=entry, grants=grants),
                help=LATE_HELP if late else STATE_HELP.get(entry.state, ""),
                late=late,
                settle=entry.state == State.UNCONFIRMED
                and not outbox_settle_refusal(user=user, entry=entry, grants=grants),
            )
        )
    return rows


def _progress() -> dict[str, Any]:
    """Whether posts are late, and whether a worker is running to send those waiting."""
    progress = outbox_progress()
    return {
        "late_count": progress.late,
        # Workers asked first, so that every page makes the same queries.
        "stalled": not live_worker_ids() and progress.waiting > 0,
        "late_url": f"{reverse('publishing:outbox')}?{urlencode({'state': LATE})}",
    }


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def outbox_list_view(request: HttpRequest) -> HttpResponse:
    filterset = OutboxFilterSet(request.GET or None, queryset=outbox_list())
    form = filterset.form
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    context = {
        "form": form,
        "page": page,
        "rows": _rows(_person(request), page),
        "filter_query": urlencode(query),
        **_progress(),
    }
    return render(request, "publishing/outbox_list.html", context)


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def outbox_entry_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        OutboxEntry.objects.select_related(
            "variant__content_item__campaign", "variant__account", "account"
        ),
        pk=pk,
    )
    [row] = _rows(_person(request), [entry])
    context = {
        "row": row,
        "entry": entry,
        "history": outbox_entry_history(entry=entry),
        **(_progress() if row.late else {}),
    }
    return render(request, "publishing/outbox_entry.html", context)


def _act(request: HttpRequest, action: Callable[[], str]) -> bool:
    """Run a person's action on an outbox entry and say how it went: the message ``action``
    returns when done, or why the service refused. False when it refused what was asked
    (ValidationError: the person may change the answer); True otherwise."""
    try:
        messages.success(request, action())
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, message)
        return False
    return True


def _recover(request: HttpRequest, pk: int, *, retry: bool) -> HttpResponse:
    entry = get_object_or_404(OutboxEntry, pk=pk)

    def action() -> str:
        if retry:
            recovery.outbox_retry(actor=_person(request), entry_id=entry.pk)
            return _("The post is going out again; this page shows how.")
        at = recovery.outbox_reconcile_now(actor=_person(request), entry_id=entry.pk)
        return _("Quartieri will ask the platform at %(time)s.") % {
            "time": timezone.localtime(at).strftime("%H:%M:%S")
        }

    _act(request, action)
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
        return redirect(back)
    return redirect("publishing:outbox_entry", pk=entry.pk)


@require_POST
@require_capability(Capability.DRAFT_CONTENT)  # the services check the account's grant
def outbox_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _recover(request, pk, retry=True)


@require_POST
@require_capability(Capability.DRAFT_CONTENT)  # the services check the account's grant
def outbox_reconcile_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _recover(request, pk, retry=False)


def _settle(request: HttpRequest, entry: OutboxEntry, answer: str) -> HttpResponse | None:
    """Act on the person's answer; None when the form must be shown again (errors said)."""

    def action() -> str:
        if answer == "found":
            recovery.outbox_settle_found(
                actor=_person(request), entry_id=entry.pk, where=request.POST.get("where", "")
            )
            return _("The post is recorded as published.")
        recovery.outbox_settle_missing(
            actor=_person(request),
            entry_id=entry.pk,
            confirmed=request.POST.get("confirm") == "yes",
        )
        return _("The post is going out again; this page shows how.")

    if not _act(request, action):
        return None
    return redirect("publishing:outbox_entry", pk=entry.pk)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPROVE_CONTENT)  # the services check the account's grants
def outbox_settle_view(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    """A person who checked the account says an unconfirmed post is there, or is missing
    and must go out again (after a confirmation: if it is there, it is published twice)."""
    entry = get_object_or_404(
        OutboxEntry.objects.select_related("variant__content_item", "account"), pk=pk
    )
    if request.method == "POST":
        done = _settle(request, entry, answer)
        if done is not None:
            return done
    refusal = outbox_settle_refusal(user=_person(request), entry=entry)
    context = {"entry": entry, "answer": answer, "refusal": refusal}
    return render(request, "publishing/settle.html", context, status=403 if refusal else 200)


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def variant_outbox_view(request: HttpRequest, variant_id: int) -> HttpResponse:
    """From a variant in the campaign pages to its outbox entry."""
    entry = variant_outbox_entry(variant_id=variant_id)
    if entry is None:
        messages.info(request, _("This post is not in the outbox: it was never scheduled."))
        return redirect("publishing:outbox")
    return redirect("publishing:outbox_entry", pk=entry.pk)


@dataclass(frozen=True)
class HealthRow:
    health: AccountHealth
    may_connect: bool


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def account_health_view(request: HttpRequest) -> HttpResponse:
    user = _person(request)
    grants = _grants(user)
    rows = [
        HealthRow(
            health=health,
            # The connect pages' own rule (oauth.connect_refusal), without a query per row.
            may_connect=user.role == Role.ADMIN
            or not account_allows(
                user=user, account=health.account, duty=Duty.PUBLISH, grants=grants
            ),
        )
        for health in account_health_list()
    ]
    context = {
        "rows": rows,
        "notes": quota_notes(),
        "destinations": allowed_destinations(),
        "domains": settings.LINK_ALLOWED_DOMAINS,
        "destinations_setting": DESTINATIONS_SETTING,
    }
    return render(request, "publishing/account_health.html", context)


def _require_sandbox() -> None:
    # Outside the sandbox the API addresses are the real platforms': nothing to show.
    if not settings.SANDBOX:
        raise Http404


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def sandbox_view(request: HttpRequest) -> HttpResponse:
    _require_sandbox()
    listing = sandbox_fetch()
    context = {"posts": listing.posts, "problems": listing.problems}
    return render(request, "publishing/sandbox.html", context)


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def sandbox_post_view(request: HttpRequest, platform: str, post_id: str) -> HttpResponse:
    _require_sandbox()
    post, problems = sandbox_find(platform=platform, post_id=post_id)
    if post is None:
        problems = [
            *problems,
            _("The sandbox has no %(platform)s post %(id)s: it keeps posts only until it stops.")
            % {"platform": platform, "id": post_id},
        ]
        missing = {"posts": [], "problems": problems}
        return render(request, "publishing/sandbox.html", missing, status=404)
    context: dict[str, Any] = {
        "post": post,
        "problems": problems,
        "list_url": reverse("publishing:sandbox"),
    }
    return render(request, "publishing/sandbox_post.html", context)
