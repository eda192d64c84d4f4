from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from quartieri.channels.models import Language
from quartieri.core.widgets import ComboboxMultiple
from quartieri.newsletter.models import ConsentWording, Issue, NewsletterList, Segment
from quartieri.newsletter.tokens import email_normalise

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
MAX_INTERESTS = 30


def next_allowed(url: str) -> bool:
    """A same-site address: this platform or a configured mini-site host (never open)."""
    hosts = {h for h in settings.ALLOWED_HOSTS if h != "*"} | set(settings.NEWSLETTER_NEXT_HOSTS)
    return url_has_allowed_host_and_scheme(url, allowed_hosts=hosts, require_https=settings.HTTPS)


class SubscribeForm(forms.Form):
    """Contract 1 (docs/newsletter.md): the fields the mini-sites post, as they post them."""

    email = forms.CharField(label=_("E-mail address"), max_length=254)
    list = forms.CharField(max_length=50, required=False, widget=forms.HiddenInput)  # noqa: A003
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    interests = forms.MultipleChoiceField(
        label=_("Neighbourhoods you are interested in"),
        required=False,
        widget=ComboboxMultiple,
    )
    consent = forms.BooleanField(
        label=_("I agree to receive the newsletter as described above"),
        error_messages={"required": _("Tick the box to agree, or we cannot send you anything.")},
    )
    consent_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    source = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)
    next = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from people by CSS and aria, filled by form-filling robots.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(
        self, *args: Any, interest_choices: Sequence[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = interest_choices  # type: ignore[attr-defined]
        self.fields["consent"].widget.attrs["value"] = "yes"
        self.newsletter_list: NewsletterList | None = None
        self.wording: ConsentWording | None = None

    def clean_email(self) -> str:
        try:
            return email_normalise(self.cleaned_data["email"])
        except forms.ValidationError:
            raise forms.ValidationError(_("This is not an e-mail address.")) from None

    def clean_consent(self) -> bool:
        # Contract 1: the checkbox's value is "yes"; anything else is no consent.
        if self.data.get("consent") != "yes":
            raise forms.ValidationError(self.fields["consent"].error_messages["required"])
        return True

    def clean_next(self) -> str:
        url = str(self.cleaned_data["next"]).strip()
        if url and not next_allowed(url):
            raise forms.ValidationError(_("The return address is not one of ours."))
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        slug = data.get("list") or "daily"
        self.newsletter_list = NewsletterList.objects.filter(slug=slug).first()
        if self.newsletter_list is None:
            raise forms.ValidationError(
                _("There is no newsletter called “%(slug)s”.") % {"slug": slug}
            )
        if data.get("language") and data.get("consent_version"):
            self.wording = self.newsletter_list.wordings.filter(
                language=data["language"], version=data["consent_version"]
            ).first()
            if self.wording is None:
                self.add_error(
                    None, _("The consent text shown is not one we know: reload the page.")
                )
        return data


def interests_from_post(values: list[str]) -> list[str]:
    """The ``interests`` as posted: slugs only, at most MAX_INTERESTS."""
    return [v for v in dict.fromkeys(v.strip().lower() for v in values) if _SLUG.match(v)][
        :MAX_INTERESTS
    ]


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the newsletter"), choices=Language.choices)
    interests = forms.MultipleChoiceField(
        label=_("Neighbourhoods you are interested in"),
        required=False,
        widget=ComboboxMultiple,
    )

    def __init__(
        self, *args: Any, interest_choices: Sequence[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = interest_choices  # type: ignore[attr-defined]


class IssueEditForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Issue
        fields = ["subject_it", "subject_en", "segment", "mjml_it", "mjml_en"]
        widgets = {
            "mjml_it": forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
            "mjml_en": forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.filter(  # type: ignore[attr-defined]
            newsletter_list_id=self.instance.newsletter_list_id
        )
        self.fields["segment"].required = False


class RejectForm(forms.Form):
    comment = forms.CharField(label=_("What must change"), widget=forms.Textarea(attrs={"rows": 3}))


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Segment name"), max_length=200)


class ComposeForm(forms.Form):
    newsletter_list = forms.ModelChoiceField(
        label=_("List"), queryset=NewsletterList.objects.all(), empty_label=None
    )
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
