"""Staff forms of the screens app; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from quartieri.campaigns.models import Campaign
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.core.forms import StyledForm, widget_classes
from quartieri.core.widgets import Combobox
from quartieri.places.models import TRANSPORT_CATEGORIES, Neighbourhood, PointOfInterest
from quartieri.screens.models import Display, DisplayGroup, Playlist, Schedule, Slide

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class DisplayForm(forms.ModelForm[Display]):
    place = forms.ModelChoiceField(
        label=_("Transport stop it stands at"),
        queryset=PointOfInterest.objects.none(),
        required=False,
        help_text=_("Its coordinates and neighbourhood are taken from the open data."),
        widget=Combobox,
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"),
        queryset=DisplayGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Display
        fields = [
            "name",
            "place",
            "place_label",
            "neighbourhood",
            "lat",
            "lon",
            "width",
            "height",
            "orientation",
            "groups",
        ]
        widgets = {"neighbourhood": Combobox}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = PointOfInterest.objects.filter(  # type: ignore[attr-defined]
            category__in=TRANSPORT_CATEGORIES, lat__isnull=False
        ).order_by("name_it")
        self.fields["lat"].help_text = _(
            "Leave empty when the stop is chosen above, or when not known."
        )
        widget_classes(self)


class GroupForm(forms.ModelForm[DisplayGroup]):
    class Meta:
        model = DisplayGroup
        fields = ["name", "description", "account"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account = self.fields["account"]
        account.queryset = ChannelAccount.objects.filter(  # type: ignore[attr-defined]
            platform=Platform.SCREENS
        ).order_by("handle")
        account.empty_label = _("none")  # type: ignore[attr-defined]
        account.help_text = _(
            "The group is this screens channel account: the people its grants allow draft, "
            "approve and schedule slides for it, and its scheduled posts play on the group's "
            "displays."
        )
        widget_classes(self)


class SlideForm(forms.ModelForm[Slide]):
    upload = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "Image (JPEG, PNG, WebP) or short video (MP4, H.264); for a layout, an optional photo."
        ),
    )

    class Meta:
        model = Slide
        fields = [
            "kind",
            "name",
            "alt_text",
            "title",
            "text",
            "qr_target",
            "neighbourhood",
            "show_map",
            "campaign",
            "duration_seconds",
            "is_default",
        ]
        widgets = {
            "neighbourhood": Combobox,
            "alt_text": forms.Textarea(attrs={"rows": 2}),
            "text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.order_by("-start_date")  # type: ignore[attr-defined]
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.order_by("name_it")  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields.pop("kind")
        widget_classes(self)


class PlaylistForm(forms.ModelForm[Playlist]):
    class Meta:
        model = Playlist
        fields = ["name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget_classes(self)


class ScheduleForm(forms.ModelForm[Schedule]):
    displays = forms.ModelMultipleChoiceField(
        label=_("Displays"),
        queryset=Display.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"),
        queryset=DisplayGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Schedule
        fields = [
            "name",
            "playlist",
            "displays",
            "groups",
            "start_date",
            "end_date",
            "weekdays",
            "start_time",
            "end_time",
            "priority",
            "emergency",
            "enabled",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("weekdays", [day for day, _label in WEEKDAYS])
        widget_classes(self)


class PlaylistAddForm(StyledForm):
    slide = forms.ModelChoiceField(label=_("Slide"), queryset=Slide.objects.order_by("name"))
    seconds = forms.IntegerField(label=_("Seconds"), min_value=1, max_value=3600, initial=10)
