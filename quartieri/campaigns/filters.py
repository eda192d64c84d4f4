"""The editorial calendar's GET filters as a django-filter FilterSet.

A value that does not fit (an unknown campaign, a made-up status) leaves that one filter
out, never fails the page.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy

from quartieri.campaigns.models import Campaign, Variant
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import kind_choices
from quartieri.core.widgets import Combobox
from quartieri.places.models import Neighbourhood


class CalendarFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter has no types
    campaign = django_filters.ModelChoiceFilter(
        field_name="content_item__campaign",
        label=gettext_lazy("Campaign"),
        queryset=Campaign.objects.order_by("-start_date", "name"),
        empty_label=gettext_lazy("All campaigns"),
    )
    account = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Channel account"),
        queryset=ChannelAccount.objects.order_by("platform", "handle"),
        empty_label=gettext_lazy("All accounts"),
    )
    platform = django_filters.ChoiceFilter(
        field_name="account__platform",
        label=gettext_lazy("Platform"),
        choices=kind_choices,
        empty_label=gettext_lazy("All platforms"),
    )
    neighbourhood = django_filters.ModelChoiceFilter(
        field_name="content_item__neighbourhood",
        label=gettext_lazy("Neighbourhood"),
        queryset=Neighbourhood.objects.only("pk", "name_it").order_by("name_it"),
        empty_label=gettext_lazy("All neighbourhoods"),
        widget=Combobox,
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=Variant.Status.choices,
        empty_label=gettext_lazy("All statuses"),
    )

    class Meta:
        model = Variant
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Neighbourhoods are labelled by name only (their __str__ may read more fields).
        self.form.fields["neighbourhood"].label_from_instance = lambda place: place.name_it
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select"
