"""The registry of channel kinds: every slug resolves to a kind that keeps its word."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from quartieri.channels.apps import check_kinds
from quartieri.channels.base import (
    Capability,
    ChannelKind,
    OptionsError,
    VariantOptions,
    kind_problems,
)
from quartieri.channels.registry import KINDS, Platform, UnknownKindError, kind_for, slugs_with


def test_every_platform_has_exactly_one_registered_kind():
    assert set(KINDS) == set(Platform.values)
    for slug in KINDS:
        kind = kind_for(slug)
        assert kind.slug == slug
        assert str(kind.label) == Platform(slug).label
        assert kind_for(slug) is kind  # one instance per slug


def test_every_kind_declares_what_it_implements():
    assert check_kinds() == []
    for slug in KINDS:
        assert kind_problems(kind_for(slug)) == [], slug


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(UnknownKindError, match="known: facebook, instagram, mastodon, newsletter"):
        kind_for("myspace")


def test_a_kind_that_claims_a_capability_it_lacks_is_reported():
    class Boasting(ChannelKind):
        slug = "boasting"
        label = "Boasting"
        capabilities = frozenset({Capability.OAUTH, Capability.OPTIONS})

    problems = kind_problems(Boasting())
    assert problems == [
        "boasting: declares oauth but does not implement it",
        "boasting: declares options but does not implement it",
    ]


def test_the_city_channels_are_delivered_by_their_apps_and_social_ones_by_the_outbox():
    assert slugs_with(Capability.OUTBOX) == ["facebook", "instagram", "mastodon", "tiktok"]
    from quartieri.minisites.release import RELEASE
    from quartieri.newsletter.delivery import DAILY_ISSUE
    from quartieri.screens.kind import DELIVERY

    delivered = {
        Platform.NEWSLETTER: DAILY_ISSUE,
        Platform.SCREENS: DELIVERY,
        Platform.WEBSITE: RELEASE,
        Platform.POSTERS: RELEASE,
    }
    for slug, delivery in delivered.items():
        kind = kind_for(slug)
        assert kind.delivery() is delivery
        assert Capability.DELIVERS in kind.capabilities
        assert Capability.OUTBOX not in kind.capabilities
        assert kind.default_post_type(media_kinds=frozenset({"video"})) == "text"
    from quartieri.publishing.outbox import OUTBOX

    assert kind_for(Platform.FACEBOOK).delivery() is OUTBOX


@dataclasses.dataclass(frozen=True)
class _Options(VariantOptions):
    visibility: Platform = Platform.NEWSLETTER
    pinned: bool = False
    note: str = ""


def test_options_round_trip_and_refuse_what_does_not_fit():
    options = _Options.from_json({"pinned": True})
    assert options == _Options(pinned=True)
    assert _Options.from_json(options.to_json()) == options
    with pytest.raises(OptionsError, match="colour: not an option"):
        _Options.from_json({"colour": "red"})
    with pytest.raises(OptionsError, match="pinned: 1 is not a bool"):
        _Options.from_json({"pinned": 1})
    with pytest.raises(OptionsError, match="visibility: 'radio' is not one of tiktok"):
        _Options.from_json({"visibility": "radio"})
    assert not isinstance(OptionsError("x", "y"), ValidationError)
