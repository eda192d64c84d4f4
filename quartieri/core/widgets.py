"""A searchable combobox for long lists (88 neighbourhoods, hundreds of places).

The widget renders the plain ``<select>`` (single) or ``<select multiple>`` inside a marked
wrapper: without JavaScript that select is the form field, as before. ``core/combobox.js``
enhances every wrapper into a WAI-ARIA combobox (a text box that filters a listbox, chips
for the picks of a multiple choice) and keeps the select, hidden, as what the form submits,
so the server reads the same ids either way.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# The sentences the script says or shows, translated on the server (the script has none).
_TEXTS = {
    "data-text-remove": _("Remove %s"),
    "data-text-results": _("Matches: %d"),
    "data-text-none": _("Nothing matches: try fewer letters."),
    "data-text-placeholder": _("Type to search"),
}


TEMPLATE = "core/widgets/combobox.html"


class _ComboboxMixin:
    mode = "single"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)  # type: ignore[misc]
        context["combobox"] = {"mode": self.mode, "texts": {k: str(v) for k, v in _TEXTS.items()}}
        return context


class Combobox(_ComboboxMixin, forms.Select):
    """One choice out of many: a select that becomes a searchable combobox."""

    template_name = TEMPLATE


class ComboboxMultiple(_ComboboxMixin, forms.SelectMultiple):
    """Several choices out of many: a multiple select that becomes a combobox with chips."""

    template_name = TEMPLATE
    mode = "multiple"
