"""The REST API at ``/api/v1/``: campaigns, content items, variants, workflow and calendar.

Every write goes through ``services.py``, which checks role, grants and four eyes exactly
as for the web pages: the API adds no rule and skips none. Callers authenticate with
``Authorization: Bearer <token>`` (``quartieri api-token create``); the token acts as its
user. Errors share one JSON shape, ``{"detail", "errors": [{"field", "message", "limit",
"actual"}]}``, documented on every operation: 400 a body that is not JSON, 401 without a
valid token, 403 with the service's reason, 404, 409 a step the variant's state does not
allow, 413 a body larger than the server takes, 422 invalid input (the request's own or a
platform rule's, naming field, limit and actual). Booleans and numbers are strict (``"true"``
is no boolean) and every text has a maximum length.
"""

# No "from __future__ import annotations" here: django-ninja's @paginate reads the view's
# annotations from its own module, so they must be objects, not strings to resolve.
import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.params.functions import Path, Query
from ninja.security import HttpBearer
from pydantic import AfterValidator, ConfigDict, Field, StrictInt, WithJsonSchema

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns import services
from quartieri.campaigns.models import Campaign, ContentItem, Variant
from quartieri.campaigns.selectors import (
    api_campaign_list,
    api_content_item_list,
)
from quartieri.campaigns.services import StateConflictError
from quartieri.campaigns.validation import RulesError
from quartieri.places.models import Neighbourhood

# Bounds keep generated ids inside what every database accepts (SQLite overflows past 2⁶³).
MAX_ID = 2_147_483_647
MAX_PAGE = 200
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = services.api_token_authenticate(token=token)
        if user is not None:
            request.user = user
        return user


class TokenLoginAPI(NinjaAPI):
    """A NinjaAPI whose views skip LoginRequiredMiddleware: the bearer token is the login.

    Without this the middleware would send token callers (who carry no session) to the
    sign-in page. Operations still require a token (``auth=``); only the schema and the
    docs page answer signed-out callers.
    """

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback.login_required = False  # type: ignore[attr-defined]
        return patterns


class OperationList(DocsBase):
    """The docs page as a plain server-rendered table: Swagger UI would need a CDN and
    inline scripts, both refused by the site's Content-Security-Policy."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = [
            {
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": (operation.get("description") or "").split("\n\n")[0],
            }
            for path, methods in schema["paths"].items()
            for method, operation in methods.items()
        ]
        context = {
            "operations": operations,
            "openapi_url": self.get_openapi_url(api, kwargs),
            "title": api.title,
        }
        return render(request, "campaigns/api_docs.html", context)


api = TokenLoginAPI(
    title="quartieri",
    version="1",
    description=__doc__ or "",
    auth=BearerToken(),
    urls_namespace="api-v1",
    docs=OperationList(),
)


def _refuse_unknown_query(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an operation so that a query parameter it does not declare is refused (422):
    a misspelt filter would otherwise be ignored and answer everything, unfiltered."""
    operation = run.__self__  # type: ignore[attr-defined]
    known = {
        name
        for model in operation.models
        if model.__ninja_param_source__ == "query"
        for name in model.__ninja_flatten_map__
    }

    @functools.wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        unknown = sorted(set(request.GET) - known)
        if not unknown:
            return run(request, *args, **kwargs)
        errors = [
            {"field": f"query.{name}", "message": _("Not a parameter of this operation.")}
            for name in unknown
        ]
        detail = _("Unknown query parameters: %(names)s.") % {"names": ", ".join(unknown)}
        return api.create_response(request, {"detail": detail, "errors": errors}, status=422)

    return checked


api.add_decorator(_refuse_unknown_query, mode="view")


class In(Schema):
    """A request body: a field the schema does not name is refused, never ignored."""

    model_config = ConfigDict(extra="forbid")


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; refuse it here as bad input rather than fail later.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


# Maximum lengths of the texts a request may carry (documented in the schema and in
# docs/campaigns.md): above every platform's caption limit (TikTok's photo description,
# 4,000, is the longest documented), so a limit here never hides a platform rule.
MAX_TEXT = 20_000
MAX_TAGS = 100  # hashtags or mentions per variant
MAX_TAG = 100  # characters of one hashtag or mention

Text = Annotated[str, AfterValidator(_no_nul)]
LongText = Annotated[Text, Field(max_length=MAX_TEXT)]
Tag = Annotated[Text, Field(min_length=1, max_length=MAX_TAG)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]
# Ids in a JSON body are numbers, never strings of digits (strict); path and query ids are
# text by nature and are parsed.
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=200)]


def _named_enum(choices: type[Any], title: str) -> WithJsonSchema:
    """The schema of a model's choices under its own name: Campaign.Status and
    Variant.Status are both "Status" to pydantic, which would publish one enum for both."""
    return WithJsonSchema({"title": title, "type": "string", "enum": list(choices.values)})


# Dates far from today would overflow when converted to UTC; refuse them as bad input.
Day = Annotated[dt.date, Field(ge=dt.date(1971, 1, 1), le=dt.date(9998, 12, 31))]

CampaignStatus = Annotated[Campaign.Status, _named_enum(Campaign.Status, "CampaignStatus")]
VariantStatus = Annotated[Variant.Status, _named_enum(Variant.Status, "VariantStatus")]


# ---------------------------------------------------------------------------- schemas


class FieldError(Schema):
    field: str
    message: str
    limit: str = ""
    actual: str = ""


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class CampaignOut(Schema):
    id: int
    slug: str
    name: str
    start_date: dt.date
    end_date: dt.date
    status: CampaignStatus
    neighbourhoods: list[str]
    audiences: list[str]
    objective: str
    budget: float = Field(description="EUR")

    @staticmethod
    def resolve_neighbourhoods(campaign: Campaign) -> list[str]:
        return sorted(n.slug for n in campaign.neighbourhoods.all())


Budget = Annotated[StrictInt | float, Field(ge=0, le=9_999_999_999, description="EUR")]


class CampaignIn(In):
    """A new campaign (APPROVE_CONTENT, as the web form); a blank slug is made from the name."""

    name: Annotated[Text, Field(min_length=1, max_length=200)]
    slug: Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]*$", max_length=200)] = ""
    start_date: Day = Field(description="Europe/Rome day")
    end_date: Day = Field(description="Europe/Rome day")
    neighbourhoods: Annotated[list[Slug], Field(max_length=200)] = []
    audiences: Annotated[list[Slug], Field(max_length=100)] = []
    objective: Annotated[Text, Field(max_length=MAX_TEXT)] = ""
    budget: Budget = 0
    status: CampaignStatus = Campaign.Status.DRAFT


class CampaignPatch(In):
    """Only the fields sent change; new dates must still hold every post on the calendar."""

    name: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=200)] | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    neighbourhoods: Annotated[list[Slug], Field(max_length=200)] | None = None
    audiences: Annotated[list[Slug], Field(max_length=100)] | None = None
    objective: Annotated[Text, Field(max_length=MAX_TEXT)] | None = None
    budget: Budget | None = None
    status: CampaignStatus | None = None


class ContentItemIn(In):
    campaign: Slug
    title: Annotated[Text, Field(min_length=1, max_length=200)]
    neighbourhood: Slug | None = None
    master_text_it: LongText = ""
    master_text_en: LongText = ""


class ContentItemOut(Schema):
    id: int
    campaign: str
    title: str
    neighbourhood: str | None
    master_text_it: str
    master_text_en: str
    created_at: dt.datetime

    @staticmethod
    def resolve_campaign(item: ContentItem) -> str:
        return item.campaign.slug

    @staticmethod
    def resolve_neighbourhood(item: ContentItem) -> str | None:
        return item.neighbourhood.slug if item.neighbourhood else None


# Every error an operation can answer, each with the one shape: reads cannot meet a body
# problem or a state conflict; writes (WRITE_ERRORS) can meet all of them.
ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
BODY_ERRORS: dict[int, type[Schema]] = {**ERRORS, 400: ErrorOut, 413: ErrorOut}
STATE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**BODY_ERRORS, 409: ErrorOut}


# ---------------------------------------------------------------------------- errors


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or _("Not allowed.")}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = _("Send a valid token: Authorization: Bearer <token>.")
    response = api.create_response(request, {"detail": detail}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(NinjaValidationError)
def _bad_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": str(error.get("msg", "")),
            "actual": _short(error.get("input")),
        }
        for error in exc.errors
    ]
    return api.create_response(
        request, {"detail": _("The request is not valid."), "errors": errors}, status=422
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own: a body that is not JSON (400, "Cannot parse request body") and the like.
    detail = _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE (files apart) or with
    # too many fields; its own answer would be the site's HTML 400 page.
    detail = _("The request is larger than the server accepts (%(limit)s MB of data).") % {
        "limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:g}"
    }
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(StateConflictError)
def _conflict(request: HttpRequest, exc: StateConflictError) -> HttpResponse:
    detail = "; ".join(exc.messages)
    errors = [{"field": "status", "message": message} for message in exc.messages]
    return api.create_response(request, {"detail": detail, "errors": errors}, status=409)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


class InvalidError(Exception):
    """A refused write with its field errors (mapped to 422)."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@api.exception_handler(InvalidError)
def _invalid(request: HttpRequest, exc: InvalidError) -> HttpResponse:
    detail = "; ".join(error["message"] for error in exc.errors)
    return api.create_response(request, {"detail": detail, "errors": exc.errors}, status=422)


def _short(value: Any) -> str:
    text = "" if value is None or isinstance(value, dict) else str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def _errors_of(error: DjangoValidationError, *, field: str) -> list[dict[str, str]]:
    """Field errors from a Django ValidationError; ``field`` names a message-only error."""
    if hasattr(error, "error_dict"):
        return [
            {"field": name, "message": message}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": field, "message": message} for message in error.messages]


def _write[T](call: Callable[[], T], *, field: str) -> T:
    """Run a service call, turning its ValidationError into a 422 (a broken platform rule
    with its field, limit and actual value), a state conflict into a 409, PermissionDenied
    into a 403."""
    try:
        return call()
    except StateConflictError:
        raise
    except RulesError as error:
        raise InvalidError(
            [
                {"field": f.field, "message": f.message, "limit": f.limit, "actual": f.actual}
                for f in error.failures
            ]
        ) from error
    except DjangoValidationError as error:
        raise InvalidError(_errors_of(error, field=field)) from error


# ---------------------------------------------------------------------------- helpers


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):  # the auth class only ever returns a User
        raise PermissionDenied(_("Not allowed."))
    return user


def _reader(request: HttpRequest) -> User:
    user = _user(request)
    if not user_can(user, Capability.VIEW_CONTENT):
        raise PermissionDenied(
            _("Your role does not allow this (%(capability)s).")
            % {"capability": Capability.VIEW_CONTENT.value}
        )
    return user


class Page(LimitOffsetPagination):
    """``limit`` (50 by default, at most MAX_PAGE) and ``offset``; the answer is
    ``{"items": [...], "count": N}``: one count and one page query, whatever the page size."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_ID)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE, **kwargs)


PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
PathSlug = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=200)]


# ---------------------------------------------------------------------------- campaigns


@api.get("/campaigns", response={200: list[CampaignOut], **ERRORS}, tags=["campaigns"])
@paginate(Page)
def campaigns_list(request: HttpRequest) -> Any:
    _reader(request)
    return api_campaign_list()


@api.get("/campaigns/{slug}", response={200: CampaignOut, **ERRORS}, tags=["campaigns"])
def campaigns_get(request: HttpRequest, slug: PathSlug) -> Any:
    _reader(request)
    return get_object_or_404(Campaign, slug=slug)


def _neighbourhoods(slugs: list[str]) -> list[Neighbourhood]:
    found = {n.slug: n for n in Neighbourhood.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise InvalidError(
            [
                {
                    "field": "neighbourhoods",
                    "message": _("No neighbourhood “%(slug)s”.") % {"slug": slug},
                    "actual": slug,
                }
                for slug in missing
            ]
        )
    return [found[slug] for slug in dict.fromkeys(slugs)]


def _campaign_fields(given: dict[str, Any]) -> dict[str, Any]:
    """A request's campaign fields as the services take them (neighbourhood rows, Decimal)."""
    fields = dict(given)
    if "neighbourhoods" in fields:
        fields["neighbourhoods"] = _neighbourhoods(fields["neighbourhoods"])
    if "budget" in fields:
        fields["budget"] = Decimal(str(fields["budget"])).quantize(Decimal("0.01"))
    return fields


def _campaign_answer(slug: str) -> Campaign:
    return get_object_or_404(api_campaign_list(), slug=slug)


@api.post("/campaigns", response={201: CampaignOut, **BODY_ERRORS}, tags=["campaigns"])
def campaigns_create(request: HttpRequest, payload: CampaignIn) -> Any:
    """A new campaign through ``campaign_create``: APPROVE_CONTENT, as the web form."""
    actor = _user(request)
    fields = _campaign_fields(payload.dict())
    campaign = _write(lambda: services.campaign_create(actor=actor, **fields), field="name")
    return Status(201, _campaign_answer(campaign.slug))


@api.patch("/campaigns/{slug}", response={200: CampaignOut, **BODY_ERRORS}, tags=["campaigns"])
def campaigns_update(request: HttpRequest, slug: PathSlug, payload: CampaignPatch) -> Any:
    """Edit a campaign through ``campaign_update``; only the fields sent change."""
    actor = _user(request)
    campaign = get_object_or_404(Campaign, slug=slug)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    fields = _campaign_fields(changes)
    campaign = _write(
        lambda: services.campaign_update(actor=actor, campaign=campaign, **fields), field="name"
    )
    return _campaign_answer(campaign.slug)


# ---------------------------------------------------------------------------- content items


@api.get("/content-items", response={200: list[ContentItemOut], **ERRORS}, tags=["content"])
@paginate(Page)
def content_items_list(
    request: HttpRequest,
    campaign: Annotated[str | None, Query(None, pattern=SLUG_PATTERN, max_length=200)] = None,
) -> Any:
    _reader(request)
    return api_content_item_list(campaign=campaign)


@api.get("/content-items/{pk}", response={200: ContentItemOut, **ERRORS}, tags=["content"])
def content_items_get(request: HttpRequest, pk: PathId) -> Any:
    _reader(request)
    return get_object_or_404(api_content_item_list(campaign=None), pk=pk)


@api.post("/content-items", response={201: ContentItemOut, **BODY_ERRORS}, tags=["content"])
def content_items_create(request: HttpRequest, payload: ContentItemIn) -> Any:
    actor = _user(request)
    campaign = get_object_or_404(Campaign, slug=payload.campaign)
    neighbourhood_id = None
    if payload.neighbourhood:
        found = Neighbourhood.objects.filter(slug=payload.neighbourhood).first()
        if found is None:
            raise InvalidError(
                [
                    {
                        "field": "neighbourhood",
                        "message": _("No neighbourhood “%(slug)s”.")
                        % {"slug": payload.neighbourhood},
                        "actual": payload.neighbourhood,
                    }
                ]
            )
        neighbourhood_id = found.pk
    item = _write(
        lambda: services.content_item_create(
            actor=actor,
            campaign=campaign,
            title=payload.title,
            neighbourhood_id=neighbourhood_id,
            master_text_it=payload.master_text_it,
            master_text_en=payload.master_text_en,
        ),
        field="title",
    )
    return Status(201, get_object_or_404(api_content_item_list(campaign=None), pk=item.pk))


# The variants' and the media operations live in their own modules (same API, token, errors
# and schema); they import the helpers above, so they join here, once this module is
# complete, in this order (the schema lists the operations as they join).
from quartieri.campaigns.api_variants import router as _variants_router  # noqa: E402

api.add_router("", _variants_router)

from quartieri.campaigns.api_media import router as _media_router  # noqa: E402

api.add_router("", _media_router)
