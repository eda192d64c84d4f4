"""Segments: a safe filter form over subscribers (django-filter), never SQL from users.

The saved ``Segment.filters`` are this form's cleaned fields; the same FilterSet filters the
staff list and, at send time, the issue's audience.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from quartieri.channels.models import Language
from quartieri.newsletter.models import Subscriber


class SubscriberFilter(django_filters.FilterSet):  # type: ignore[misc]
    language = django_filters.ChoiceFilter(label=_("Language"), choices=Language.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Subscriber.Status.choices)
    interest = django_filters.CharFilter(
        label=_("Interest (neighbourhood or theme)"), method="filter_interest"
    )
    signed_up_after = django_filters.DateFilter(
        label=_("Signed up on or after"), field_name="created_at", lookup_expr="date__gte"
    )
    signed_up_before = django_filters.DateFilter(
        label=_("Signed up on or before"), field_name="created_at", lookup_expr="date__lte"
    )
    email_contains = django_filters.CharFilter(
        label=_("Address contains"), field_name="email", lookup_expr="icontains"
    )

    class Meta:
        model = Subscriber
        fields: list[str] = []

    def filter_interest(
        self, queryset: QuerySet[Subscriber], name: str, value: str
    ) -> QuerySet[Subscriber]:
        # JSON list membership, written so it works on SQLite and PostgreSQL alike.
        value = value.strip().lower()
        if not value:
            return queryset
        return queryset.filter(Q(interests__icontains=f'"{value}"'))


SEGMENT_FIELDS = ("language", "status", "interest", "signed_up_after", "signed_up_before")


def segment_filters_clean(data: dict[str, Any]) -> dict[str, str]:
    """The saved form of a segment: only known fields, as the strings the form takes."""
    form = SubscriberFilter(data=data, queryset=Subscriber.objects.none()).form
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    return {k: str(data[k]) for k in SEGMENT_FIELDS if data.get(k) not in (None, "")}


def segment_queryset(filters: dict[str, Any]) -> QuerySet[Subscriber]:
    queryset: QuerySet[Subscriber] = SubscriberFilter(
        data=filters, queryset=Subscriber.objects.all()
    ).qs
    return queryset
