"""The website and posters kinds' delivery: a scheduled variant goes live at its time.

Scheduling a website or posters variant (``campaigns.services.variant_schedule``) calls
``RELEASE.schedule``, which checks that it can go out and enqueues ``release_due_task``
for its time, on commit. ``release_due`` then takes every variant of these two kinds whose
time has come and is still scheduled, and for each campaign:

1. writes the print-ready PDFs of each released poster to the campaign's print folder,
   for the print shop (``posters.services.poster_print``); a poster whose files cannot be
   made is not released: it stays scheduled with the reason (``posters.models.PrintFailure``,
   shown in "Da fare" and on the poster's page) and is tried again a few times, further
   apart (``posters.services.RETRY_AFTER``), then only when staff ask;
2. builds the campaign's live sites (``site_build``): a website variant's feed entry is
   on them, the first one of a neighbourhood puts its site live, a poster just printed is
   offered for download (those very files: each PDF is rendered once per release);
3. records each variant published (``campaigns.services.variant_record_published``).

Everything is done before the record, so a run that dies half-way is simply run again:
the files and the build come out the same, and a variant already recorded is left alone.
A variant moved later is not due when its old task runs; one edited back into review is
not scheduled any more (withdrawing needs nothing else). The workers' periodic tick
(``periodic.py``) runs ``release_due`` too when a variant is overdue, in case its task was
lost. One release runs at a time per machine (a lock file in the build folder): two
builders must not write the same folder at once.

The poster belongs to the ``posters`` app below this one; the mini-sites release it
because a released poster changes its neighbourhood's site, so one build serves both.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from itertools import groupby
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.analytics.links import LinkError
from quartieri.campaigns.models import Campaign, Variant
from quartieri.campaigns.services import variant_record_published
from quartieri.channels.registry import Platform
from quartieri.minisites.build import site_build
from quartieri.posters import services as posters

logger = logging.getLogger(__name__)
KINDS = (Platform.WEBSITE, Platform.POSTERS)
# The tick leaves a due variant to its own task for this long before taking it over.
OVERDUE = dt.timedelta(minutes=2)


class Release:
    """``channels.base.Delivery`` of the website and posters kinds."""

    def schedule(self, *, variant_id: int) -> None:
        variant = Variant.objects.select_related(
            "account", "content_item__campaign", "content_item__neighbourhood"
        ).get(pk=variant_id)
        if variant.account.platform == Platform.POSTERS:
            _check_poster(variant)
            # Scheduled (again, or moved): tried at its time, whatever failed before.
            posters.print_failures_clear(variants=[variant.pk])
        from quartieri.minisites.tasks import release_due_task  # tasks import this module

        task = release_due_task.using(run_after=variant.scheduled_at)
        transaction.on_commit(partial(task.enqueue))

    def withdraw(self, *, variant_id: int) -> bool:
        # Nothing went out before its time; at its time a variant no longer scheduled is
        # not released. After it, the variant is published and no longer editable.
        return True


RELEASE = Release()


def _check_poster(variant: Variant) -> None:
    """A poster post is about a neighbourhood, and its QR code's link can be made."""
    area = variant.content_item.neighbourhood
    if area is None:
        raise ValidationError(
            _(
                "A poster post releases its neighbourhood's poster: choose a content item "
                "about a neighbourhood."
            )
        )
    try:
        posters.poster_link(campaign=variant.content_item.campaign, neighbourhood=area)
    except LinkError as error:
        raise ValidationError(
            _("The poster's QR code cannot be made: %(reason)s.") % {"reason": error}
        ) from None


def releases_due(*, now: dt.datetime) -> QuerySet[Variant]:
    """Website and posters variants still scheduled whose time has come, except posters that
    could not be printed and wait for their next try (or for staff: ``PrintFailure``)."""
    return (
        Variant.objects.filter(
            account__platform__in=KINDS,
            status=Variant.Status.SCHEDULED,
            scheduled_at__lte=now,
        )
        .filter(Q(poster_failure__isnull=True) | Q(poster_failure__retry_at__lte=now))
        .select_related("account", "content_item__campaign", "content_item__neighbourhood")
    )


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    root = Path(settings.BUILD_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".release.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def release_due(*, now: dt.datetime | None = None) -> list[int]:
    """Release what is due (see the module's text); the ids of the variants recorded."""
    with _one_at_a_time():
        now = now or timezone.now()
        due = list(releases_due(now=now).order_by("content_item__campaign_id", "scheduled_at"))
        recorded: list[int] = []
        for _campaign_id, rows in groupby(due, key=lambda v: v.content_item.campaign_id):
            recorded += _release(list(rows), now=now)
        return recorded


def _print(variant: Variant, *, now: dt.datetime) -> posters.Printed | None:
    """Write a poster variant's print files and return its posters; None when they cannot
    be made: the variant then stays scheduled, the reason is recorded where staff see it
    (``PrintFailure``: "Da fare", the poster's page) and a later try is enqueued, if any."""
    area = variant.content_item.neighbourhood
    try:
        if area is None:
            raise ValueError("its content item is about no neighbourhood")
        made = posters.poster_print(campaign=variant.content_item.campaign, neighbourhood=area)
    except Exception as error:  # noqa: BLE001 - whatever stops a render (a refused link, a
        # full disk, WeasyPrint itself) is recorded and retried a few times, and must not stop
        # the other posts of the release (a crash would be re-run every minute).
        logger.exception("Poster variant %s not released", variant.pk)
        reason = str(error) if isinstance(error, ValueError | OSError) else repr(error)
        failure = posters.print_failure_record(variant=variant, error=reason, now=now)
        if failure.retry_at is not None:
            from quartieri.minisites.tasks import release_due_task  # tasks import this module

            release_due_task.using(run_after=failure.retry_at).enqueue()
        return None
    posters.print_failures_clear(variants=[variant.pk])
    return posters.Printed(variant_id=variant.pk, neighbourhood_id=area.pk, posters=made)


def _release(variants: list[Variant], *, now: dt.datetime) -> list[int]:
    campaign: Campaign = variants[0].content_item.campaign
    ready, printed = [], []
    for variant in variants:
        if variant.account.platform != Platform.POSTERS:
            ready.append(variant)
        elif (made := _print(variant, now=now)) is not None:
            ready.append(variant)
            printed.append(made)
    if not ready:  # only posters that cannot be printed yet: nothing to build for
        return []
    # processes=1: a worker runs task threads, and forking a threaded process may deadlock.
    # The build offers the posters just printed (not rendered again) and no other unreleased.
    site_build(campaign=campaign, now=now, processes=1, printed=printed)
    recorded = []
    for variant in ready:
        if variant_record_published(variant_id=variant.pk, permalink=_where(variant)):
            recorded.append(variant.pk)
    logger.info("Released %s of campaign %s at %s", recorded, campaign.slug, now.isoformat())
    return recorded


def _where(variant: Variant) -> str:
    """Where the released variant can be seen: a website post on its site (or the
    campaign's feed), a poster on its staff page (its site may not be live)."""
    item = variant.content_item
    area = item.neighbourhood
    if variant.account.platform == Platform.POSTERS and area is not None:
        return settings.PUBLIC_URL + reverse(
            "posters:design", kwargs={"campaign": item.campaign.slug, "neighbourhood": area.slug}
        )
    if area is None:
        return f"{settings.SITES_BASE_URL.rstrip('/')}/feeds/{item.campaign.slug}.atom"
    return posters.site_url(
        base_url=settings.SITES_BASE_URL, neighbourhood=area.slug, language=variant.account.language
    )
