from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from quartieri.campaigns.scheduling import (
    FoldPolicy,
    GapPolicy,
    ResolvedTime,
    WallTimeError,
    schedule_resolve,
)


class RejectForm(forms.Form):
    comment = forms.CharField(label=_("What must change"), widget=forms.Textarea(attrs={"rows": 2}))


class ScheduleForm(forms.Form):
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Time (Europe/Rome)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    # Only needed on the night the clocks go back; an empty choice there is refused.
    occurrence = forms.ChoiceField(
        label=_("If the time happens twice"),
        required=False,
        choices=[
            ("", _("Not chosen")),
            (FoldPolicy.FIRST, _("First occurrence (summer time)")),
            (FoldPolicy.SECOND, _("Second occurrence (winter time)")),
        ],
    )
    move_if_missing = forms.BooleanField(
        label=_("If the time does not exist, move to the next valid time"), required=False
    )

    def fold_policy(self) -> FoldPolicy | None:
        value = self.cleaned_data.get("occurrence")
        return FoldPolicy(value) if value else None

    def gap_policy(self) -> GapPolicy:
        return (
            GapPolicy.NEXT_VALID if self.cleaned_data.get("move_if_missing") else GapPolicy.REFUSE
        )

    def resolved(self) -> ResolvedTime:
        """The instant the submitted day and wall-clock time mean in Europe/Rome.

        Raises ValidationError with the reason: missing fields, a time skipped by the spring
        clock change (unless moving it was asked for), or an autumn time with no occurrence
        chosen.
        """
        if not self.is_valid():
            raise ValidationError(_("Give a day and a time."))
        try:
            return schedule_resolve(
                date=self.cleaned_data["date"],
                wall_time=self.cleaned_data["time"],
                fold_policy=self.fold_policy(),
                gap_policy=self.gap_policy(),
            )
        except WallTimeError as error:
            raise ValidationError(str(error)) from error
