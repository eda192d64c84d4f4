"""Variants through the REST API: list, read, draft, edit, the workflow and the calendar.

Added to the project's one API by ``api.py`` (same token, errors and schema). An answer is
``VariantOut`` read from the variant itself: its resolvers take what the selectors join
(``api_variant_list``: campaign, item, neighbourhood and account in the page's query, the
media ids in one more), and each kind's options come as flat ``<slug>_<option>`` fields
(``api_options.with_options``).
"""

# No "from __future__ import annotations" here: django-ninja's @paginate reads the view's
# annotations from its own module, so they must be objects, not strings to resolve.
import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from ninja.params.functions import Query
from pydantic import Field

from quartieri.campaigns import services
from quartieri.campaigns.api import (
    BODY_ERRORS,
    ERRORS,
    MAX_ID,
    SLUG_PATTERN,
    STATE_ERRORS,
    WRITE_ERRORS,
    Day,
    Id,
    In,
    InvalidError,
    LongText,
    Page,
    PathId,
    Tags,
    Text,
    VariantStatus,
    _named_enum,
    _reader,
    _user,
    _write,
)
from quartieri.campaigns.api_options import Mode, options_in, with_options
from quartieri.campaigns.models import ContentItem, Variant
from quartieri.campaigns.scheduling import FoldPolicy, GapPolicy, WallTimeError, schedule_resolve
from quartieri.campaigns.selectors import api_variant_calendar, api_variant_list
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.channels.rules import PostType

router = Router()
ROME = ZoneInfo("Europe/Rome")
MAX_CALENDAR_DAYS = 366


def _kept_id(view: str) -> str:
    # The id each operation had when it lived in api.py: clients generated from the schema
    # name their methods after it.
    return f"quartieri_campaigns_api_{view}"


class AccountOut(Schema):
    id: int
    platform: Platform
    handle: str
    kind: Annotated[ChannelAccount.Kind, _named_enum(ChannelAccount.Kind, "AccountKind")]


class _VariantFields(In):
    """What a person may write on a variant (``services.VariantFields``); each kind's
    options join as ``<slug>_<option>`` (``api_options.with_options``)."""

    title: Annotated[Text, Field(max_length=200)] = ""
    caption: LongText = ""
    hashtags: Tags = []
    mentions: Tags = []
    link: Annotated[Text, Field(max_length=500)] = ""


class _VariantIn(_VariantFields):
    content_item: Id
    account: Id
    post_type: PostType


class _VariantPatch(In):
    """Only the fields sent change; editing an approved or scheduled variant re-opens review."""

    post_type: PostType | None = None
    title: Annotated[Text, Field(max_length=200)] | None = None
    caption: LongText | None = None
    hashtags: Tags | None = None
    mentions: Tags | None = None
    link: Annotated[Text, Field(max_length=500)] | None = None


class _VariantOut(Schema):
    """A variant's answer, read from the row ``api_variant_list`` gives (what it joins and
    prefetches); ``with_options`` adds each kind's options with their resolvers."""

    id: int
    campaign: str
    content_item: int
    content_title: str
    neighbourhood: str | None
    account: AccountOut
    post_type: str
    title: str
    caption: str
    hashtags: list[str]
    mentions: list[str]
    link: str
    media: list[int] = Field(description="ids of the media files the post carries")
    status: VariantStatus
    scheduled_at: dt.datetime | None = Field(description="UTC instant")
    scheduled_local: str | None = Field(description="Europe/Rome wall time with its offset")
    review_comment: str

    @staticmethod
    def resolve_campaign(variant: Variant) -> str:
        return variant.content_item.campaign.slug

    @staticmethod
    def resolve_content_item(variant: Variant) -> int:
        return variant.content_item_id

    @staticmethod
    def resolve_content_title(variant: Variant) -> str:
        return variant.content_item.title

    @staticmethod
    def resolve_neighbourhood(variant: Variant) -> str | None:
        neighbourhood = variant.content_item.neighbourhood
        return neighbourhood.slug if neighbourhood else None

    @staticmethod
    def resolve_hashtags(variant: Variant) -> list[str]:
        return [str(tag) for tag in variant.hashtags]

    @staticmethod
    def resolve_mentions(variant: Variant) -> list[str]:
        return [str(name) for name in variant.mentions]

    @staticmethod
    def resolve_media(variant: Variant) -> list[int]:
        return sorted(asset.pk for asset in variant.media.all())

    @staticmethod
    def resolve_scheduled_local(variant: Variant) -> str | None:
        at = variant.scheduled_at
        return at.astimezone(ROME).isoformat() if at else None


if TYPE_CHECKING:
    VariantIn = _VariantIn
    VariantPatch = _VariantPatch
    VariantOut = _VariantOut
else:
    VariantIn = with_options(_VariantIn, "VariantIn", Mode.IN)
    VariantPatch = with_options(_VariantPatch, "VariantPatch", Mode.PATCH)
    VariantOut = with_options(_VariantOut, "VariantOut", Mode.OUT)


class RejectIn(In):
    comment: Annotated[Text, Field(min_length=1, max_length=5000)]


class ApproveIn(In):
    comment: Annotated[Text, Field(max_length=5000)] = ""


class ScheduleIn(In):
    date: Day = Field(description="Europe/Rome day")
    time: dt.time = Field(description="Europe/Rome wall-clock time")
    fold: FoldPolicy | None = Field(
        None, description="Which 02:xx when the clocks go back: required on that night"
    )
    gap: GapPolicy = Field(
        GapPolicy.REFUSE, description="A time skipped by the clocks: refuse, or move on"
    )


class ScheduleOut(Schema):
    variant: VariantOut
    warning: str


def _variant(pk: int) -> Variant:
    return get_object_or_404(api_variant_list(), pk=pk)


def _fresh(variant: Variant) -> Variant:
    """The variant read again as an answer reads it (after a write)."""
    return _variant(variant.pk)


# ---------------------------------------------------------------------------- variants


@router.get(
    "/variants",
    response={200: list[VariantOut], **ERRORS},
    tags=["variants"],
    operation_id=_kept_id("variants_list"),
)
@paginate(Page)
def variants_list(
    request: HttpRequest,
    campaign: Annotated[str | None, Query(None, pattern=SLUG_PATTERN, max_length=200)] = None,
    account: Annotated[int | None, Query(None, ge=1, le=MAX_ID)] = None,
    platform: Platform | None = None,
    neighbourhood: Annotated[str | None, Query(None, pattern=SLUG_PATTERN, max_length=200)] = None,
    status: VariantStatus | None = None,
) -> Any:
    _reader(request)
    return api_variant_list(
        campaign=campaign,
        account_id=account,
        platform=platform,
        neighbourhood=neighbourhood,
        status=status,
    )


@router.get(
    "/variants/{pk}",
    response={200: VariantOut, **ERRORS},
    tags=["variants"],
    operation_id=_kept_id("variants_get"),
)
def variants_get(request: HttpRequest, pk: PathId) -> Any:
    _reader(request)
    return _variant(pk)


@router.post(
    "/variants",
    response={201: VariantOut, **BODY_ERRORS},
    tags=["variants"],
    operation_id=_kept_id("variants_create"),
)
def variants_create(request: HttpRequest, payload: VariantIn) -> Any:
    actor = _user(request)
    item = get_object_or_404(ContentItem, pk=payload.content_item)
    account = get_object_or_404(ChannelAccount, pk=payload.account)
    fields = payload.dict(exclude={"content_item", "account", "post_type"})
    options = options_in(fields, platform=account.platform, current=None)
    variant = _write(
        lambda: services.variant_create(
            actor=actor,
            content_item=item,
            account=account,
            post_type=payload.post_type,
            options=options or {},
            **fields,
        ),
        field="variant",
    )
    return Status(201, _fresh(variant))


@router.patch(
    "/variants/{pk}",
    response={200: VariantOut, **WRITE_ERRORS},
    tags=["variants"],
    operation_id=_kept_id("variants_update"),
)
def variants_update(request: HttpRequest, pk: PathId, payload: VariantPatch) -> Any:
    actor = _user(request)
    variant = _variant(pk)
    changes = payload.dict(exclude_unset=True)
    options = options_in(changes, platform=variant.account.platform, current=variant.options)
    # A null sent for a non-nullable field means "leave it", like an absent one.
    changes = {name: value for name, value in changes.items() if value is not None}
    if options is not None:
        changes["options"] = options
    _write(lambda: services.variant_update(actor=actor, variant=variant, **changes), field="status")
    return _fresh(variant)


# ---------------------------------------------------------------------------- workflow


@router.post(
    "/variants/{pk}/submit",
    response={200: VariantOut, **STATE_ERRORS},
    tags=["workflow"],
    operation_id=_kept_id("variants_submit"),
)
def variants_submit(request: HttpRequest, pk: PathId) -> Any:
    actor = _user(request)
    variant = _variant(pk)
    _write(lambda: services.variant_submit(actor=actor, variant=variant), field="status")
    return _fresh(variant)


@router.post(
    "/variants/{pk}/approve",
    response={200: VariantOut, **WRITE_ERRORS},
    tags=["workflow"],
    operation_id=_kept_id("variants_approve"),
)
def variants_approve(request: HttpRequest, pk: PathId, payload: ApproveIn | None = None) -> Any:
    actor = _user(request)
    variant = _variant(pk)
    comment = payload.comment if payload else ""
    _write(
        lambda: services.variant_approve(actor=actor, variant=variant, comment=comment),
        field="status",
    )
    return _fresh(variant)


@router.post(
    "/variants/{pk}/reject",
    response={200: VariantOut, **WRITE_ERRORS},
    tags=["workflow"],
    operation_id=_kept_id("variants_reject"),
)
def variants_reject(request: HttpRequest, pk: PathId, payload: RejectIn) -> Any:
    actor = _user(request)
    variant = _variant(pk)
    _write(
        lambda: services.variant_reject(actor=actor, variant=variant, comment=payload.comment),
        field="comment",
    )
    return _fresh(variant)


@router.post(
    "/variants/{pk}/schedule",
    response={200: ScheduleOut, **WRITE_ERRORS},
    tags=["workflow"],
    operation_id=_kept_id("variants_schedule"),
)
def variants_schedule(request: HttpRequest, pk: PathId, payload: ScheduleIn) -> Any:
    actor = _user(request)
    variant = _variant(pk)
    try:
        resolved = schedule_resolve(
            date=payload.date,
            wall_time=payload.time,
            fold_policy=payload.fold,
            gap_policy=payload.gap,
        )
    except WallTimeError as error:
        raise InvalidError(
            [{"field": "time", "message": str(error), "actual": payload.time.isoformat()}]
        ) from error
    _write(
        lambda: services.variant_schedule(actor=actor, variant=variant, at=resolved.at),
        field="scheduled_at",
    )
    return {"variant": _fresh(variant), "warning": resolved.warning}


# ---------------------------------------------------------------------------- calendar


@router.get(
    "/calendar",
    response={200: list[VariantOut], **ERRORS},
    tags=["calendar"],
    operation_id=_kept_id("calendar"),
)
def calendar(
    request: HttpRequest,
    start: Annotated[Day, Query(...)],
    end: Annotated[Day, Query(...)],
    campaign: Annotated[str | None, Query(None, pattern=SLUG_PATTERN, max_length=200)] = None,
) -> Any:
    """Scheduled and published variants whose Europe/Rome day is within start–end."""
    _reader(request)
    days = (end - start).days
    if not 0 <= days <= MAX_CALENDAR_DAYS:
        raise InvalidError(
            [
                {
                    "field": "end",
                    "message": _("The range must run forward and span at most %(days)s days.")
                    % {"days": MAX_CALENDAR_DAYS},
                    "limit": str(MAX_CALENDAR_DAYS),
                    "actual": str(days),
                }
            ]
        )
    since = timezone.make_aware(dt.datetime.combine(start, dt.time()), ROME)
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), ROME)
    return api_variant_calendar(since=since, until=until, campaign=campaign)
