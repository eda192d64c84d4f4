"""The counters behind every manifest key (manifest.py): call them inside the transaction of
the change, so a rolled-back change moves nothing."""

from __future__ import annotations

from django.db.models import F

from quartieri.screens.models import ContentVersion, Display


def content_changed() -> None:
    """A slide, playlist, schedule or group changed: every display's key moves."""
    if not ContentVersion.objects.filter(pk=1).update(value=F("value") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"value": 1})


def displays_changed(*, ids: list[int]) -> None:
    """These displays changed (or were pushed): only their keys move."""
    Display.objects.filter(pk__in=ids).update(revision=F("revision") + 1)
