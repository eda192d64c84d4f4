"""How the staff pages draw a form field (``settings.FORM_RENDERER``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_noop

# Django's empty choice (models.fields.BLANK_CHOICE_LABEL) has no Italian in Django's own
# catalogue: listed here, it gets one in core's.
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")


class FieldGroupRenderer(DjangoTemplates):
    """Every ``{{ field.as_field_group }}`` is drawn by ``core/field.html``: one Bootstrap
    Italia field (label, input, help text, errors, with Django's ``aria-describedby`` naming
    the help and error ids on the input) for every app's forms."""

    field_template_name = "core/field.html"


def widget_classes(form: forms.BaseForm) -> None:
    """Bootstrap Italia's class on every widget that takes one (a checkbox is styled by
    ``core/field.html``'s ``form-check``): ``form-select`` on a select, ``form-control`` on
    the rest; a class the form set is kept."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap Italia's classes (``widget_classes``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget_classes(self)
