"""The outbox list's GET filters as a django-filter FilterSet; a value that does not fit
leaves that filter out, never fails the page."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from quartieri.campaigns.models import Campaign
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import platform_slugs
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.selectors import LATE, late, late_cutoff


def _accounts() -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(platform__in=platform_slugs()).order_by(
        "platform", "handle"
    )


class OutboxFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter has no types
    campaign = django_filters.ModelChoiceFilter(
        field_name="variant__content_item__campaign",
        label=gettext_lazy("Campaign"),
        queryset=Campaign.objects.order_by("-start_date", "name"),
        empty_label=gettext_lazy("All campaigns"),
    )
    account = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Channel account"),
        queryset=_accounts(),
        empty_label=gettext_lazy("All accounts"),
    )
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("State"),
        choices=[
            *OutboxEntry.State.choices,
            (LATE, gettext_lazy("late (scheduled, past its time)")),
        ],
        empty_label=gettext_lazy("All states"),
        method="filter_state",
    )

    class Meta:
        model = OutboxEntry
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The accounts the outbox publishes to, as the registry says when the page is drawn.
        self.form.fields["account"].queryset = _accounts()

    def filter_state(
        self, queryset: QuerySet[OutboxEntry], name: str, value: str
    ) -> QuerySet[OutboxEntry]:
        if value == LATE:
            return queryset.filter(late(cutoff=late_cutoff()))
        return queryset.filter(state=value)
