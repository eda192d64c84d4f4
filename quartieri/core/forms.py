"""How the staff pages draw a form field (``settings.FORM_RENDERER``)."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class FieldGroupRenderer(DjangoTemplates):
    """Every ``{{ field.as_field_group }}`` is drawn by ``core/field.html``: one Bootstrap
    Italia field (label, input, help text, errors, with Django's ``aria-describedby`` naming
    the help and error ids on the input) for every app's forms."""

    field_template_name = "core/field.html"
