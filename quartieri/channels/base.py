"""The channel-kind interface: everything that differs from one channel to another.

A *channel kind* is one way of reaching people: TikTok, Instagram, Facebook, the daily
newsletter, the city screens, the website, the posters. Each is one class deriving from
``ChannelKind``, in one folder (``channels/kinds/<slug>/`` for the social platforms, or
``<app>/kind.py`` for a channel whose code lives in its own app), registered by one line of
``channels/registry.py`` (slug → dotted path, imported on first use). Code outside the kind
asks the registry (``kind_for(account.platform)``) and calls the hooks below; it never
compares a slug.

Every hook has a default, so a kind declares only what it has:

==========================  ====================================================  =============
hook                        what it says                                          default
==========================  ====================================================  =============
``slug``, ``label``         the registry key and the name people read             (required)
``appearance``              its colour and icon in the calendar (``Appearance``)  grey, share
``capabilities``            what the kind can do (``Capability``), declared       none
``rules()``                 post types and limits checked before approval         own channel
``default_post_type()``     the post type a generated or imported variant gets    text
``options``                 per-post options, a typed schema stored as JSON       none
``option_failures()``       what the options refuse before approval               options' own
``compose_failures()``      constraints read live when a post is composed         none
``compose_panel()``         what the media page shows of those constraints        nothing
``preview()``               how a post looks on the channel (template, context)   a plain card
``caption_fold()``          where the feed cuts a caption behind "… more"         not cut
``delivery()``              how a scheduled variant goes out (``Delivery``)       nobody: a
                                                                                  person marks
                                                                                  it published
``connector``               (outbox kinds) dotted path of the ``Connector``       —
``post_options()``          (outbox kinds) the payload's platform options         none
``account_id()``            (outbox kinds) what the API calls the account         platform id
``app_credentials()``       (outbox kinds) the app's keys, to renew tokens        none
``renews_with_access_token``(outbox kinds) a live token buys a new one (Meta)     no
``oauth``                   connecting from the browser (``OAuthFlavour``)        no OAuth
``quota``                   the documented posting limit, for the health page     none known
``metrics``                 the figures the kind reports, with their sources      none
==========================  ====================================================  =============

Social kinds derive from ``SocialKind``: their delivery is the publishing outbox (claim,
submit, poll, reconcile through the connector). A channel of the city's own (newsletter,
screens, website, posters) derives from ``kinds.own.OwnChannelKind`` and, once its app can
deliver, returns its own ``Delivery`` (the approved item joins the day's issue, the slide
joins the display group's playlist at its time, a feed entry goes live, a poster is released
to the print shop). See docs/architecture.md, "How to add a channel kind".
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from django import forms
from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from quartieri.channels.preview import Fold, Preview, PreviewPost, preview_text
from quartieri.channels.rules import (
    OWN_CHANNEL_POST_TYPES,
    PlatformRules,
    PostType,
    RuleFailure,
)

if TYPE_CHECKING:
    import httpx

    from quartieri.channels.connectors.base import (
        AppCredentials,
        Connector,
        PlatformOptions,
        TokenSet,
    )
    from quartieri.channels.models import ChannelAccount


class Capability(enum.StrEnum):
    """What a kind can do. Declared by the kind; ``kind_problems`` checks it against its hooks."""

    DELIVERS = "delivers"  # a scheduled variant goes out by itself (``delivery()``)
    OUTBOX = "outbox"  # ... through the publishing outbox and a connector (social kinds)
    RECONCILE = "reconcile"  # the outbox can ask the platform whether a post exists
    OAUTH = "oauth"  # a person connects the account from the browser (``oauth``)
    OPTIONS = "options"  # per-post options (``options``)
    COMPOSE_CHECKS = "compose_checks"  # constraints read live at compose time
    TAGS = "tags"  # generated drafts get hashtag and mention lists
    METRICS = "metrics"  # reports figures (``metrics``)


# --- What a hook reads of campaigns' rows (campaigns sits above channels) ------------------
class NamedFile(Protocol):
    @property
    def name(self) -> str | None: ...


class MediaFacts(Protocol):
    """A picture or video of a post (``campaigns.MediaAsset``)."""

    @property
    def pk(self) -> Any: ...
    @property
    def kind(self) -> str: ...  # "image" | "video"
    @property
    def file(self) -> NamedFile: ...
    @property
    def alt_text(self) -> str: ...
    @property
    def duration_seconds(self) -> float | None: ...


class PostFacts(Protocol):
    """A variant: one post for one account (``campaigns.Variant``)."""

    @property
    def pk(self) -> Any: ...
    @property
    def post_type(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def link(self) -> str: ...
    @property
    def options(self) -> Any: ...  # the JSON of the kind's options schema
    @property
    def account(self) -> ChannelAccount: ...


# --- Per-post options --------------------------------------------------------------------------
class OptionsError(ValueError):
    """Options that do not fit the kind's schema; ``field`` names the option."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class VariantOptions:
    """Base of a kind's per-post options: subclass it as a frozen dataclass of ``bool``,
    ``str``, ``int`` or ``TextChoices`` fields, each with a default.

    Stored as JSON on the variant (``Variant.options``); ``from_json`` refuses an unknown
    option or a value of the wrong type, naming it, and fills what is missing with the
    defaults. Forms, the API and rule failures name an option ``<kind slug>_<option>``
    (``option_field_name``), so two kinds' options never clash with each other or with the
    variant's own fields.
    """

    # A ``str`` option whose values are those of a TextChoices ("" too: not chosen yet).
    choices: ClassVar[Mapping[str, type[models.Choices]]] = {}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Self:
        data = dict(data or {})
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):  # type: ignore[arg-type]
            if spec.name in data:
                hint = cls.choices.get(spec.name, hints[spec.name])
                values[spec.name] = _checked(spec.name, data.pop(spec.name), hint)
        if data:
            raise OptionsError(sorted(data)[0], "not an option of this kind")
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            spec.name: getattr(self, spec.name)
            for spec in dataclasses.fields(self)  # type: ignore[arg-type]
        }

    @classmethod
    def form_fields(cls) -> dict[str, forms.Field]:
        """The inputs of the variant form, by option name, in the order shown."""
        return {}

    def failures(self, *, label: str) -> list[RuleFailure]:
        """What these options refuse before approval (e.g. a choice that has no default)."""
        return []


def _checked(name: str, value: Any, hint: Any) -> Any:
    """``value`` if it fits the option's type; bools are not ints here."""
    choices = hint if isinstance(hint, type) and issubclass(hint, models.Choices) else None
    if choices is not None:
        if value == "" or value in choices.values:
            return value
        raise OptionsError(name, f"{value!r} is not one of {', '.join(map(str, choices.values))}")
    expected = {bool: bool, int: int, str: str}.get(hint)
    if expected is None:
        raise TypeError(f"option {name}: unsupported type {hint!r}")
    if type(value) is not expected:
        raise OptionsError(name, f"{value!r} is not a {expected.__name__}")
    return value


def option_field_name(kind: ChannelKind, option: str) -> str:
    """How forms, the API and rule failures name an option: ``tiktok_privacy_level``."""
    return f"{kind.slug}_{option}"


# --- Delivery -----------------------------------------------------------------------------------
class Delivery(Protocol):
    """How a scheduled variant of a kind goes out. Both calls run inside the campaigns
    service's transaction: raise to refuse, and the schedule or edit rolls back."""

    def schedule(self, *, variant_id: int) -> None:
        """The variant was scheduled (or moved): deliver it at ``variant.scheduled_at``.

        Raise ``ValidationError`` when it can no longer move (it is already on its way).
        Work outside the database starts on commit (``transaction.on_commit``).
        """

    def withdraw(self, *, variant_id: int) -> bool:
        """The variant left the calendar (edited back to review): do not deliver it.
        False when it can no longer be withdrawn (already on its way or out)."""


@typing.runtime_checkable
class ReportsTrouble(Protocol):
    """A delivery that can say what went wrong with scheduled variants (the outbox: failed,
    not confirmed), so that a variant's page shows the same as the delivery's own page."""

    def troubles(self, *, variant_ids: Sequence[int]) -> dict[int, str]:
        """Variant id → what went wrong, in a few words; variants on track are left out."""


# --- Connecting from the browser -------------------------------------------------------------
@dataclass(frozen=True)
class ConnectGrant:
    """What the platform gave for an authorisation code: tokens, and the account's id on the
    platform ('' when the person still has to choose a page, ``OAuthFlavour.chooses_page``)."""

    tokens: TokenSet
    external_id: str = ""


class ManagedPage(Protocol):
    """A page the person manages on the platform, offered when connecting (Meta's Pages)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def access_token(self) -> str: ...


@dataclass(frozen=True)
class PageFit:
    """What a page would be for an account of a kind: its id there ('' when it cannot be
    used, with ``refusal`` saying why), a note to show, and the names it answers to (a page
    whose name is the account's handle is offered first)."""

    external_id: str
    note: str = ""
    refusal: str = ""
    names: frozenset[str] = frozenset()


class OAuthFlavour(Protocol):
    """How a kind's accounts are connected from the browser (``publishing/oauth.py`` runs the
    flow: state, session, permission checks; the flavour says how its platform wants it).
    Kinds that log in the same way share one flavour (Instagram and Facebook: Meta's Login
    dialog)."""

    # Names the flow and its callback: /publishing/connect/<login>/callback/.
    login: str
    # The settings that hold the app's keys, named when they are missing.
    key_settings: str
    # RFC 7636 PKCE (S256): the verifier stays in the session, the challenge goes out.
    uses_pkce: bool
    # After the code exchange the person chooses which page the account is (Meta): then
    # ``exchange`` gives the person's own token and ``pages``/``page_fit`` are used.
    chooses_page: bool

    def authorize_url(
        self, *, client_id: str, redirect_uri: str, state: str, code_challenge: str, slug: str
    ) -> str: ...

    def exchange(
        self,
        *,
        app: AppCredentials,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        timeout: httpx.Timeout | None,
    ) -> ConnectGrant: ...

    def pages(
        self, *, app: AppCredentials, user_token: str, timeout: httpx.Timeout | None
    ) -> Sequence[ManagedPage]: ...

    def page_fit(self, *, page: ManagedPage, slug: str) -> PageFit: ...


# --- Compose-time constraints -------------------------------------------------------------
@dataclass(frozen=True)
class ComposePanel:
    """What a kind shows on a content item's media page about the live constraints of its
    accounts (TikTok: the creator's settings): a template and its context."""

    template: str
    context: Mapping[str, Any]


# --- Figures ------------------------------------------------------------------------------------
class MetricKind(models.TextChoices):
    # A post's views are a running total that grows; a Page's daily reach counts one day.
    TOTAL = "total", _("running total on that day")
    DAILY = "daily", _("counted over that day")


class MetricScope(enum.StrEnum):
    POST = "post"
    ACCOUNT = "account"


@dataclass(frozen=True)
class MetricDefinition:
    """One figure a kind reports: our name for it (the same across kinds where the meaning
    is close), its kind and where its definition comes from."""

    name: str
    kind: MetricKind
    source: str


@dataclass(frozen=True)
class QuotaNote:
    """What is documented about a kind's posting limit, for the account health page.

    ``read_live``: the connector reads the platform's own count before publishing (stored on
    the account's state), so the page shows that count rather than a documented number.
    """

    note: str | Promise
    read_live: bool = False


NO_QUOTA_NOTE = QuotaNote(_("No limit is documented."))


# --- How a kind looks in lists and the calendar ---------------------------------------------------
@dataclass(frozen=True)
class Appearance:
    """The colour and icon that tell a kind's posts apart at a glance (the calendar).

    Never the only cue: the icon comes with the account's name, which says the kind.
    ``colour`` is a ``#rrggbb`` that reads as text on white at WCAG AA (4.5:1, checked by a
    test for every kind); ``icon`` names a symbol of Bootstrap Italia's sprite
    (``svg/sprites.svg``, e.g. ``it-tiktok``).
    """

    colour: str
    icon: str


# A kind that declares none: Bootstrap Italia's body grey (7.4:1 on white) and "share".
DEFAULT_APPEARANCE = Appearance(colour="#5c6f82", icon="it-share")


# --- The interface -------------------------------------------------------------------------------
class ChannelKind:
    """One channel kind. Instances are stateless; the registry keeps one per slug."""

    slug: ClassVar[str]
    label: ClassVar[str | Promise]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    options: ClassVar[type[VariantOptions] | None] = None
    oauth: ClassVar[OAuthFlavour | None] = None
    quota: ClassVar[QuotaNote] = NO_QUOTA_NOTE
    # (scope, the platform's metric name) → our definition; what the connector asks for.
    metrics: ClassVar[Mapping[tuple[MetricScope, str], MetricDefinition]] = {}
    # Dotted path of the Delivery object (imported on first use, so a kind may be delivered
    # by an app above channels without channels importing it); "" when nothing delivers.
    delivery_path: ClassVar[str] = ""
    # Dotted path of the Connector class (kinds with Capability.OUTBOX).
    connector: ClassVar[str] = ""
    # Meta: a token still valid is exchanged for a new one (fb_exchange_token).
    renews_with_access_token: ClassVar[bool] = False
    # The template that draws a post as the channel shows it (``preview``).
    preview_template: ClassVar[str] = "channels/preview/generic.html"
    # Colour and icon of its posts in the calendar.
    appearance: ClassVar[Appearance] = DEFAULT_APPEARANCE

    def __str__(self) -> str:
        return str(self.label)

    # Composing and checking -------------------------------------------------------------
    def rules(self) -> PlatformRules:
        return PlatformRules(label=str(self.label), post_types=OWN_CHANNEL_POST_TYPES)

    def default_post_type(self, *, media_kinds: frozenset[str]) -> str:
        """The post type a new variant starts with, given the kinds of the item's media."""
        return PostType.TEXT

    def parse_options(self, data: Mapping[str, Any] | None) -> VariantOptions | None:
        """The variant's stored options as the kind's schema (``OptionsError`` if they do
        not fit); None for a kind without options."""
        return self.options.from_json(data) if self.options is not None else None

    def option_failures(self, *, variant: PostFacts) -> list[RuleFailure]:
        """What the variant's options refuse, each failure naming its input
        (``option_field_name``)."""
        options = self.parse_options(variant.options)
        if options is None:
            return []
        return [
            dataclasses.replace(failure, field=option_field_name(self, failure.field))
            for failure in options.failures(label=str(self.rules().label))
        ]

    def compose_failures(
        self, *, variant: PostFacts, media: Sequence[MediaFacts]
    ) -> list[RuleFailure]:
        """Constraints read live from the platform (TikTok's creator_info); [] when they
        cannot be read: an unknown setting never blocks a draft."""
        return []

    def compose_panel(self, *, accounts: Sequence[ChannelAccount]) -> ComposePanel | None:
        """What the media page shows about ``accounts``' live constraints (None: nothing)."""
        return None

    # Previewing ----------------------------------------------------------------------------
    def caption_fold(self, *, post_type: str) -> Fold | None:
        """Roughly where the channel's feed cuts a caption of ``post_type`` behind "… more"
        (None: shown whole)."""
        return None

    def preview(self, *, post: PreviewPost) -> Preview:
        """How ``post`` will look on the channel: ``preview_template`` drawn with the post,
        its text cut at ``caption_fold`` and the kind (the editor, the review page and the
        sandbox show the same drawing)."""
        fold = self.caption_fold(post_type=post.post_type)
        context = {"post": post, "text": preview_text(post.text, fold=fold), "kind": self}
        return Preview(self.preview_template, context)

    # Delivering ------------------------------------------------------------------------
    def delivery(self) -> Delivery | None:
        if not self.delivery_path:
            return None
        found: Delivery = import_string(self.delivery_path)
        return found

    # Publishing through the outbox (Capability.OUTBOX) --------------------------------------
    def connector_class(self) -> type[Connector]:
        if not self.connector:
            raise LookupError(f"{self.slug} has no connector")
        cls: type[Connector] = import_string(self.connector)
        return cls

    def post_options(
        self, *, variant: PostFacts, media: Sequence[MediaFacts]
    ) -> PlatformOptions | None:
        """The connector's options for this post (None: the connector's defaults)."""
        return None

    def added_text(self, *, variant: PostFacts) -> str:
        """What delivery adds to the post's text when it goes out, at its longest ("":
        nothing): the rules count it against the caption limit, so the room the editor is
        shown is the room really left."""
        return ""

    def account_id(self, *, handle: str, external_id: str) -> str:
        """What the connector calls the account: the platform's id by default."""
        return external_id

    def app_credentials(self) -> AppCredentials | None:
        """The app's own keys (needed to renew tokens and to connect); None: not configured."""
        return None


# The outbox, in the publishing app above channels: named by its dotted path (see
# ``ChannelKind.delivery_path``), so import-linter does not count it as an import.
OUTBOX_DELIVERY = "quartieri.publishing.outbox.OUTBOX"
# What the outbox adds to a post's text (its tracked link, its reconciliation marker).
OUTBOX_ADDED_TEXT = "quartieri.publishing.payload.added_text"


class SocialKind(ChannelKind):
    """A third-party platform reached through the publishing outbox and a connector."""

    capabilities = frozenset({Capability.DELIVERS, Capability.OUTBOX, Capability.TAGS})
    delivery_path = OUTBOX_DELIVERY

    def added_text(self, *, variant: PostFacts) -> str:
        added: str = import_string(OUTBOX_ADDED_TEXT)(variant=variant)
        return added


def kind_problems(kind: ChannelKind) -> list[str]:
    """Where a kind's declared capabilities and its hooks disagree (a system check)."""
    declared = kind.capabilities
    has = {
        Capability.DELIVERS: bool(kind.delivery_path)
        or type(kind).delivery is not ChannelKind.delivery,
        Capability.OUTBOX: bool(kind.connector),
        Capability.OAUTH: kind.oauth is not None,
        Capability.OPTIONS: kind.options is not None,
        Capability.COMPOSE_CHECKS: type(kind).compose_failures is not ChannelKind.compose_failures,
        Capability.METRICS: bool(kind.metrics),
    }
    problems = [
        f"{kind.slug}: declares {capability} but does not implement it"
        if capability in declared
        else f"{kind.slug}: implements {capability} but does not declare it"
        for capability, present in has.items()
        if present != (capability in declared)
    ]
    if Capability.RECONCILE in declared and Capability.OUTBOX not in declared:
        problems.append(f"{kind.slug}: reconcile needs the outbox")
    return problems
