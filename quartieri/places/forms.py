from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from quartieri.core.forms import StyledForm, widget_classes
from quartieri.core.widgets import Combobox
from quartieri.places.models import Playlist, PointOfInterest, Tour


class TourForm(forms.ModelForm[Tour]):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=[("it", "Italiano"), ("en", "English")],
        widget=forms.CheckboxSelectMultiple,
        initial=["it", "en"],
    )

    class Meta:
        model = Tour
        fields = [
            "neighbourhood", "title_it", "title_en", "theme", "languages",
            "description_it", "description_en", "start", "end",
        ]  # fmt: skip
        widgets = {"neighbourhood": Combobox, "start": Combobox, "end": Combobox}

    def __init__(self, *args: Any, transport: list[PointOfInterest] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        widget_classes(self)
        if transport is not None:
            ids = [p.pk for p in transport]
            qs = PointOfInterest.objects.filter(pk__in=ids)
            self.fields["start"].queryset = qs  # type: ignore[attr-defined]
            self.fields["end"].queryset = qs  # type: ignore[attr-defined]


class StopAddForm(StyledForm):
    poi = forms.ModelChoiceField(
        label=_("Place"), queryset=PointOfInterest.objects.none(), widget=Combobox
    )
    text_it = forms.CharField(
        label=_("Text (Italian)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    text_en = forms.CharField(
        label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    minutes = forms.IntegerField(
        label=_("Minutes at the stop"), min_value=0, max_value=600, initial=10
    )

    def __init__(self, *args: Any, pois: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pois is not None:
            self.fields["poi"].queryset = pois  # type: ignore[attr-defined]


class StopEditForm(StyledForm):
    text_it = forms.CharField(
        label=_("Text (Italian)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    text_en = forms.CharField(
        label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    minutes = forms.IntegerField(label=_("Minutes at the stop"), min_value=0, max_value=600)


class LocateForm(StyledForm):
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)


class PlaylistForm(forms.ModelForm[Playlist]):
    class Meta:
        model = Playlist
        fields = ["neighbourhood", "title", "description", "curator"]
        widgets = {"neighbourhood": Combobox}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget_classes(self)


class TrackForm(StyledForm):
    artist = forms.CharField(label=_("Artist"), max_length=300)
    title = forms.CharField(
        label=_("Title"), max_length=300, required=False,
        help_text=_("Leave empty when the title is not in our sources."),
    )  # fmt: skip
    duration_seconds = forms.IntegerField(
        label=_("Duration (seconds)"), min_value=0, required=False
    )
    spotify_url = forms.CharField(label=_("Spotify link"), required=False)
    apple_music_url = forms.CharField(label=_("Apple Music link"), required=False)
    youtube_url = forms.CharField(label=_("YouTube link"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
