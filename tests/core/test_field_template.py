"""Every form field of the staff pages is drawn by core/field.html (settings.FORM_RENDERER).

What a screen reader needs: each input (or group of boxes) names its help text and its errors
through aria-describedby, and the ids it names exist. No template draws a field by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

from django import forms

import quartieri

ROOT = Path(quartieri.__file__).parent


class Sample(forms.Form):
    name = forms.CharField(label="Name", help_text="As people say it.", max_length=5)
    days = forms.MultipleChoiceField(
        label="Days",
        choices=[("mon", "Monday"), ("tue", "Tuesday")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick at least one.",
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def _drawn(data: dict[str, object] | None) -> str:
    form = Sample(data)
    form.is_valid()
    return "".join(str(field.as_field_group()) for field in form)


def _ids(html: str) -> set[str]:
    return set(re.findall(r' id="([^"]+)"', html))


def test_an_input_is_described_by_its_help_and_its_error():
    html = _drawn({"name": "far too long", "days": ["mon"]})
    [described] = re.findall(r'<input type="text"[^>]*aria-describedby="([^"]+)"', html)
    assert described.split() == ["id_name_helptext", "id_name_error"]
    assert {"id_name_helptext", "id_name_error"} <= _ids(html)
    assert 'aria-invalid="true"' in html


def test_a_group_of_boxes_is_a_fieldset_described_by_its_help_and_its_error():
    html = _drawn({"name": "ok"})  # no day ticked: required
    [fieldset] = re.findall(r"<fieldset[^>]*>", html)
    assert 'aria-describedby="id_days_helptext id_days_error"' in fieldset
    assert {"id_days_helptext", "id_days_error"} <= _ids(html)
    assert "<legend" in html


def test_without_errors_only_the_help_is_named_and_a_hidden_input_stays_bare():
    html = _drawn(None)
    [fieldset] = re.findall(r"<fieldset[^>]*>", html)
    assert 'aria-describedby="id_days_helptext"' in fieldset
    assert "id_days_error" not in html
    hidden = re.search(r'<input type="hidden" name="token"[^>]*>', html)
    assert hidden is not None
    assert "<label" not in html[hidden.start() - 40 : hidden.start()]


def test_no_template_draws_a_form_field_by_hand():
    # A bare {{ field }} (label, input and errors written around it) is how the old loops
    # looked; core/field.html is the one place that may do it.
    drawn_by_hand = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/templates/**/*.html")
        if path.name != "field.html" and "{{ field }}" in path.read_text(encoding="utf-8")
    ]
    assert drawn_by_hand == []
