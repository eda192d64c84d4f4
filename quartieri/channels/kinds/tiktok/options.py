"""TikTok's per-post options, chosen by a person and stored as JSON on the variant.

platform-apis.md §1.6: the privacy level is chosen by the person, with no default (point 3),
and comments, Duet and Stitch stay off unless the person turns them on (point 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.channels.base import VariantOptions
from quartieri.channels.rules import RuleFailure


class PrivacyLevel(models.TextChoices):
    # TikTok post_info.privacy_level values (§1.3); blank means not chosen yet.
    PUBLIC_TO_EVERYONE = "PUBLIC_TO_EVERYONE", gettext_lazy("Everyone")
    MUTUAL_FOLLOW_FRIENDS = "MUTUAL_FOLLOW_FRIENDS", gettext_lazy("Friends")
    FOLLOWER_OF_CREATOR = "FOLLOWER_OF_CREATOR", gettext_lazy("Followers")
    SELF_ONLY = "SELF_ONLY", gettext_lazy("Only me")


@dataclass(frozen=True)
class TikTokPostOptions(VariantOptions):
    privacy_level: str = ""  # a PrivacyLevel, "" until the person chooses
    allow_comment: bool = False
    allow_duet: bool = False
    allow_stitch: bool = False

    choices: ClassVar[dict[str, type[models.Choices]]] = {"privacy_level": PrivacyLevel}

    @classmethod
    def form_fields(cls) -> dict[str, forms.Field]:
        return {
            # The form does not save until one is chosen: TikTok has no default (§1.6).
            "privacy_level": forms.ChoiceField(
                label=gettext_lazy("Who can see it (TikTok)"),
                choices=[("", gettext_lazy("Not chosen yet")), *PrivacyLevel.choices],
                error_messages={
                    "required": gettext_lazy("Choose who can see the post: TikTok has no default.")
                },
            ),
            "allow_comment": forms.BooleanField(
                label=gettext_lazy("Allow comments"), required=False
            ),
            "allow_duet": forms.BooleanField(label=gettext_lazy("Allow Duet"), required=False),
            "allow_stitch": forms.BooleanField(label=gettext_lazy("Allow Stitch"), required=False),
        }

    def failures(self, *, label: str) -> list[RuleFailure]:
        if self.privacy_level:
            return []
        message = _("privacy level: not chosen, it must be chosen explicitly (%(platform)s)") % {
            "platform": label
        }
        return [
            RuleFailure(
                "privacy_level",
                _("chosen explicitly"),
                _("not chosen"),
                message,
                "§1.6 point 3 privacy chosen manually, no default [V]",
            )
        ]
