"""Reasons and rule failures reach Italian staff in Italian."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from quartieri.campaigns.models import Variant
from quartieri.campaigns.scheduling import WallTimeError, schedule_resolve
from quartieri.campaigns.services import variant_approve
from quartieri.campaigns.validation import variant_validate
from tests.campaigns.conftest import added_length, give_media


def test_permission_reason_in_italian(item, tiktok, editor, other_editor, make_variant):
    variant = make_variant(item=item, account=tiktok, by=other_editor, status="in_review")
    with translation.override("it"), pytest.raises(PermissionDenied) as refused:
        variant_approve(actor=editor, variant=variant)
    assert str(refused.value) == "Il tuo ruolo non lo consente (content.approve)."


def test_rule_failure_in_italian(item, tiktok, editor, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, caption="é" * 2305)
    give_media(variant)
    with translation.override("it"):
        messages = [failure.message for failure in variant_validate(variant)]
    added = added_length(tiktok)
    room = f"{2200 - added:,}".replace(",", ".")
    assert messages == [
        f"didascalia: 2.305 unità UTF-16, limite {room} (TikTok: altri {added} sono riservati "
        "ai link che quartieri aggiunge)"
    ]


def test_fold_error_in_italian():
    with translation.override("it"), pytest.raises(WallTimeError) as error:
        schedule_resolve(date=dt.date(2021, 10, 31), wall_time=dt.time(2, 30))
    assert str(error.value).startswith("Le 02:30 ricorrono due volte il 2021-10-31")


def test_status_labels_in_italian():
    with translation.override("it"):
        assert str(Variant.Status.IN_REVIEW.label) == "In revisione"
