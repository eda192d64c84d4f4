"""Forms of the staff pages. They parse and check input; the services decide and write."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.models import User
from quartieri.audiences.models import Segment
from quartieri.campaigns.compose import accounts_for_drafting
from quartieri.campaigns.models import Campaign, ContentItem, Variant
from quartieri.campaigns.scheduling import (
    FoldPolicy,
    GapPolicy,
    ResolvedTime,
    WallTimeError,
    schedule_resolve,
)
from quartieri.campaigns.services import VariantChanges
from quartieri.channels.base import option_field_name
from quartieri.channels.models import ChannelAccount, Language
from quartieri.channels.registry import kind_for
from quartieri.channels.rules import PostType, RuleFailure
from quartieri.core.forms import widget_classes
from quartieri.core.widgets import Combobox, ComboboxMultiple
from quartieri.places.models import Neighbourhood, Playlist, Tour


class RejectForm(forms.Form):
    comment = forms.CharField(label=_("What must change"), widget=forms.Textarea(attrs={"rows": 2}))


class ScheduleForm(forms.Form):
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Time (Europe/Rome)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    # Only needed on the night the clocks go back; an empty choice there is refused.
    occurrence = forms.ChoiceField(
        label=_("If the time happens twice"),
        required=False,
        choices=[
            ("", _("Not chosen")),
            (FoldPolicy.FIRST, _("First occurrence (summer time)")),
            (FoldPolicy.SECOND, _("Second occurrence (winter time)")),
        ],
    )
    move_if_missing = forms.BooleanField(
        label=_("If the time does not exist, move to the next valid time"), required=False
    )

    def fold_policy(self) -> FoldPolicy | None:
        value = self.cleaned_data.get("occurrence")
        return FoldPolicy(value) if value else None

    def gap_policy(self) -> GapPolicy:
        return (
            GapPolicy.NEXT_VALID if self.cleaned_data.get("move_if_missing") else GapPolicy.REFUSE
        )

    def resolved(self) -> ResolvedTime:
        """The instant the submitted day and wall-clock time mean in Europe/Rome.

        Raises ValidationError with the reason: missing fields, a time skipped by the spring
        clock change (unless moving it was asked for), or an autumn time with no occurrence
        chosen.
        """
        if not self.is_valid():
            raise ValidationError(_("Give a day and a time."))
        try:
            return schedule_resolve(
                date=self.cleaned_data["date"],
                wall_time=self.cleaned_data["time"],
                fold_policy=self.fold_policy(),
                gap_policy=self.gap_policy(),
            )
        except WallTimeError as error:
            raise ValidationError(str(error)) from error


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: by field where it names one the form has."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def _checkboxes(form: forms.BaseForm) -> None:
    widget_classes(form)
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")  # what <input type="date"> shows


# --- Campaign ---------------------------------------------------------------------------


def _audience_choices(current: Iterable[str]) -> list[tuple[str, str]]:
    """The audience segments, plus any slug the campaign already has that is not one (kept,
    so saving the form never drops data the person did not touch)."""
    choices = [(segment.slug, str(segment)) for segment in Segment.objects.order_by("position")]
    known = {slug for slug, _label in choices}
    return choices + [(slug, slug) for slug in current if slug not in known]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Slug"),
        max_length=200,
        required=False,
        help_text=_(
            "The campaign's part of the page address. Left empty, it is made from the name."
        ),
    )
    start_date = forms.DateField(
        label=_("First day"), widget=DateInput(), help_text=_("Days in Europe/Rome time.")
    )
    end_date = forms.DateField(label=_("Last day"), widget=DateInput())
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Neighbourhoods"),
        queryset=Neighbourhood.objects.order_by("name_it"),
        required=False,
        widget=ComboboxMultiple,
    )
    audiences = forms.MultipleChoiceField(
        label=_("Audiences"), required=False, widget=forms.CheckboxSelectMultiple
    )
    objective = forms.CharField(
        label=_("Objective"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget = forms.DecimalField(
        label=_("Budget (EUR)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=Campaign.Status.choices, initial=Campaign.Status.DRAFT
    )

    def __init__(self, *args: Any, current_audiences: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audiences"].choices = _audience_choices(current_audiences)  # type: ignore[attr-defined]
        _checkboxes(self)
        # Filled in from the name by forms.js until the person types a slug of their own.
        self.fields["slug"].widget.attrs["data-slug-from"] = "id_name"


def campaign_initial(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "slug": campaign.slug,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "neighbourhoods": list(campaign.neighbourhoods.all()),
        "audiences": list(campaign.audiences),
        "objective": campaign.objective,
        "budget": campaign.budget,
        "status": campaign.status,
    }


# --- Content item -----------------------------------------------------------------------


def _grouped(rows: Iterable[Tour | Playlist]) -> list[tuple[str, Any]]:
    """Choices grouped by neighbourhood (optgroups): forms.js shows only the chosen one's."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        groups[str(row.neighbourhood)].append((row.pk, str(row)))
    return [("", _("None")), *sorted(groups.items())]


class ContentItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.none(),
        required=False,
        empty_label=_("None"),
        widget=Combobox,
    )
    tour = forms.TypedChoiceField(
        label=_("Tour"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only the chosen neighbourhood's tours may be linked."),
    )
    playlist = forms.TypedChoiceField(
        label=_("Playlist"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only the chosen neighbourhood's playlists may be linked."),
    )
    master_text_it = forms.CharField(
        label=_("Master text (Italian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Hashtags and @mentions are picked up when variants are generated; a closing line "
            "of tags goes into the variant's hashtag list."
        ),
    )
    master_text_en = forms.CharField(
        label=_("Master text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The campaign's neighbourhoods when it names some (and the item's own, kept even if
        # the campaign dropped it since), else every neighbourhood.
        everywhere = Neighbourhood.objects.order_by("name_it")
        chosen = everywhere.filter(
            Q(campaigns=campaign) | Q(pk=self.initial.get("neighbourhood"))
        ).distinct()
        field = self.fields["neighbourhood"]
        field.queryset = chosen if campaign.neighbourhoods.exists() else everywhere  # type: ignore[attr-defined]
        tours = Tour.objects.select_related("neighbourhood").order_by("title_it")
        playlists = Playlist.objects.select_related("neighbourhood").order_by("title")
        self.fields["tour"].choices = _grouped(tours)  # type: ignore[attr-defined]
        self.fields["playlist"].choices = _grouped(playlists)  # type: ignore[attr-defined]
        widget_classes(self)
        for name in ("tour", "playlist"):
            self.fields[name].widget.attrs["data-follows"] = "id_neighbourhood"

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``content_item_create`` / ``content_item_update`` take it."""
        data = self.cleaned_data
        neighbourhood = data.get("neighbourhood")
        return {
            "title": data["title"],
            "neighbourhood_id": neighbourhood.pk if neighbourhood else None,
            "tour_id": data.get("tour"),
            "playlist_id": data.get("playlist"),
            "master_text_it": data["master_text_it"],
            "master_text_en": data["master_text_en"],
        }


def content_item_initial(item: ContentItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "neighbourhood": item.neighbourhood_id,
        "tour": item.tour_id,
        "playlist": item.playlist_id,
        "master_text_it": item.master_text_it,
        "master_text_en": item.master_text_en,
    }


# --- Generating variants ----------------------------------------------------------------


class AccountChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        if not isinstance(obj, ChannelAccount):
            return str(obj)
        return f"{obj} ({obj.get_language_display()})"


class GenerateForm(forms.Form):
    accounts = AccountChoiceField(
        label=_("Channel accounts"),
        queryset=ChannelAccount.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one channel account."),
            "invalid_choice": _(
                "you may not draft on the account %(value)s (or it no longer exists)."
            ),
        },
    )
    language = forms.ChoiceField(
        label=_("Language of the captions"),
        required=False,
        choices=[("", _("Each account's own language")), *Language.choices],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the accounts this person may draft on: the service checks again.
        self.fields["accounts"].queryset = accounts_for_drafting(user=user)  # type: ignore[attr-defined]
        _checkboxes(self)


# --- Variant ----------------------------------------------------------------------------


class TagsField(forms.Field):
    """A list of hashtags or mentions typed as "#one #two" (or "one, two"); kept without
    their ``#`` / ``@`` as the model stores them."""

    widget = forms.TextInput

    def __init__(self, *, prefix: str, pattern: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prefix = prefix
        self.pattern = re.compile(pattern)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return " ".join(f"{self.prefix}{item}" for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(item) for item in value]
        words = re.split(r"[\s,]+", str(value or ""))
        seen: dict[str, str] = {}
        for word in words:
            tag = word.strip().lstrip(self.prefix)
            if tag:
                seen.setdefault(tag.lower(), tag)
        return list(seen.values())

    def validate(self, value: Any) -> None:
        super().validate(value)
        bad = [tag for tag in value if not self.pattern.fullmatch(tag)]
        if bad:
            raise ValidationError(
                _("Not valid: %(tags)s. Use letters, digits and _ only, one word each.")
                % {"tags": ", ".join(f"{self.prefix}{tag}" for tag in bad)}
            )


# RuleFailure.field → the input it is about (a TikTok photo's description is its caption).
RULE_INPUTS = {"description": "caption"}


class RuledBoundField(forms.BoundField):
    """A variant form's field, knowing the platform rules it fails (core/field.html)."""

    @property
    def rules(self) -> list[RuleFailure]:
        form = self.form
        return form.rules.get(self.name, []) if isinstance(form, VariantForm) else []


class VariantForm(forms.Form):
    bound_field_class = RuledBoundField
    post_type = forms.ChoiceField(label=_("Post type"))
    title = forms.CharField(
        label=_("Title (TikTok photo posts)"),
        max_length=200,
        required=False,
        help_text=_("Photo posts only; a video's text is its caption."),
    )
    caption = forms.CharField(
        label=_("Caption"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    hashtags = TagsField(
        label=_("Hashtags"),
        prefix="#",
        pattern=r"\w+",
        required=False,
        help_text=_("Separated by spaces, e.g. #Baggio #quartieri."),
    )
    mentions = TagsField(
        label=_("Mentions"),
        prefix="@",
        pattern=r"\w+(?:\.\w+)*",
        required=False,
        help_text=_("Separated by spaces, e.g. @yesmilano."),
    )
    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    def __init__(self, *args: Any, variant: Variant, **kwargs: Any) -> None:
        kind = kind_for(variant.account.platform)
        self.option_fields = {
            option_field_name(kind, name): (name, field)
            for name, field in (kind.options.form_fields() if kind.options else {}).items()
        }
        options = kind.parse_options(variant.options)
        initial = {name: getattr(variant, name) for name in self.base_fields}
        for field_name, (option, _field) in self.option_fields.items():
            initial[field_name] = getattr(options, option)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.variant = variant
        rules = kind.rules()
        self.fields["post_type"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in PostType.choices if value in rules.post_types
        ]
        if rules.photo_title_max is None:  # only a kind with photo titles (TikTok) has one
            del self.fields["title"]
        # The kind's own options (TikTok: privacy level and interactions), after the rest.
        self.fields.update({name: field for name, (_option, field) in self.option_fields.items()})
        _checkboxes(self)
        self.rules: dict[str, list[RuleFailure]] = {}
        self.other_rules: list[RuleFailure] = []

    def changes(self) -> VariantChanges:
        """The cleaned fields that differ from the stored variant (nothing changed: {});
        the kind's options as one ``options`` change."""
        data = dict(self.cleaned_data)
        options = {option: data.pop(name) for name, (option, _f) in self.option_fields.items()}
        changes = {
            name: value for name, value in data.items() if getattr(self.variant, name) != value
        }
        if options and options != {**options, **self.variant.options}:
            changes["options"] = {**self.variant.options, **options}
        return cast(VariantChanges, changes)

    def attach_rules(self, failures: Iterable[RuleFailure]) -> None:
        """Put each platform-rule failure next to its input, described by it for screen
        readers; failures about no input here (media files) are listed apart."""
        for failure in failures:
            name = RULE_INPUTS.get(failure.field, failure.field)
            if name in self.fields:
                self.rules.setdefault(name, []).append(failure)
            else:
                self.other_rules.append(failure)
        for name in self.rules:
            bound = self[name]
            ids = [f"{bound.auto_id}_rules"]
            if bound.help_text:
                ids.insert(0, f"{bound.auto_id}_helptext")
            if bound.errors:
                ids.append(f"{bound.auto_id}_error")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)
