"""Tests write a kind's options as the forms and the API name them (``tiktok_privacy_level``);
the variant stores them in ``Variant.options`` by their own names."""

from __future__ import annotations

from typing import Any

from quartieri.channels.base import option_field_name
from quartieri.channels.registry import all_kinds


def as_options(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with every ``<slug>_<option>`` moved into ``options`` (by option name)."""
    fields = dict(fields)
    options = dict(fields.pop("options", {}))
    for kind in all_kinds():
        for option in kind.options.form_fields() if kind.options else {}:
            name = option_field_name(kind, option)
            if name in fields:
                options[option] = fields.pop(name)
    return {**fields, "options": options} if options else fields
