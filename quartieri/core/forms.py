"""How the staff pages draw a form field (``settings.FORM_RENDERER``)."""

from __future__ import annotations

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
