"""A screen that stopped reporting waits in the "To do" of who manages the screens."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from quartieri.core.todo import inbox_sections


def waiting(user):
    return {s.kind.slug: s for s in inbox_sections(user=user)}.get("displays-not-seen")


def test_a_silent_screen_waits_for_the_approver_not_the_editor(display, approver, editor):
    assert waiting(approver).count == 1  # never seen yet
    assert waiting(editor) is None  # editors do not manage screens
    display.last_seen_at = timezone.now()
    display.save()
    assert waiting(approver).count == 0
    display.last_seen_at = timezone.now() - dt.timedelta(hours=1)
    display.save()
    section = waiting(approver)
    assert section.count == 1
    assert section.entries[0].url == f"/screens/displays/{display.pk}/"
