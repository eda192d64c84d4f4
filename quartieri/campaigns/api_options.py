"""Each channel kind's per-post options in the REST API, as flat ``<slug>_<option>`` fields.

The API's variant schemas get one field per option of every kind that has options
(``ChannelKind.options``), named as forms and rule failures name them
(``option_field_name``: ``tiktok_privacy_level``), so a kind added to the registry shows up
in the API and its OpenAPI schema without this module naming it. A variant's answer carries
every kind's fields (another kind's at their defaults); a request's fields for another kind
than the variant's account are ignored. A choice left unchosen is ``""`` in the database and
``null`` in a request.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from ninja import Schema
from pydantic import StrictBool, StrictInt, StrictStr, create_model

from quartieri.campaigns.models import Variant
from quartieri.channels.base import ChannelKind, VariantOptions, option_field_name
from quartieri.channels.registry import all_kinds


class Mode(enum.Enum):
    IN = "in"  # creating: every option may be sent, with its default
    PATCH = "patch"  # editing: only what is sent changes
    OUT = "out"  # answering: every option, always


@dataclasses.dataclass(frozen=True)
class _Option:
    kind: ChannelKind
    name: str  # the option's own name
    field: str  # its API name
    hint: Any  # bool, int, str, or the option's TextChoices
    default: Any


@functools.cache
def _options() -> tuple[_Option, ...]:
    # Built once per process: the kinds and their options schemas do not change while it
    # runs, and every variant of a list answer reads them (review of issue 21).
    return tuple(_each_option())


@functools.cache
def _defaults(kind: ChannelKind) -> VariantOptions | None:
    """A kind's options as a variant of another kind answers them: all at their defaults."""
    return kind.parse_options(None)


def _each_option() -> Iterator[_Option]:
    for kind in all_kinds():
        schema: type[VariantOptions] | None = kind.options
        if schema is None:
            continue
        hints = typing.get_type_hints(schema)
        for spec in dataclasses.fields(schema):  # type: ignore[arg-type]
            hint = schema.choices.get(spec.name, hints[spec.name])
            yield _Option(kind, spec.name, option_field_name(kind, spec.name), hint, spec.default)


def _is_choice(option: _Option) -> bool:
    return isinstance(option.hint, type) and issubclass(option.hint, enum.Enum)


# A request's booleans and numbers are taken as they are typed, never converted: "true" or
# "1" for a boolean is refused (422), as a person who sent it meant something else.
_STRICT: dict[Any, Any] = {bool: StrictBool, int: StrictInt, str: StrictStr}


def with_options(base: type[Schema], name: str, mode: Mode) -> type[Schema]:
    """``base`` with every kind's option fields added, named ``name`` in the schema; an
    answer's fields are read from the variant by resolvers (``option_value``)."""
    fields: dict[str, Any] = {}
    for option in _options():
        hint = _STRICT.get(option.hint, option.hint)
        if mode is Mode.OUT:
            fields[option.field] = (str if _is_choice(option) else option.hint, ...)
        elif mode is Mode.PATCH or _is_choice(option):
            fields[option.field] = (hint | None, None)
        else:
            fields[option.field] = (hint, option.default)
    if mode is not Mode.OUT:
        model: type[Schema] = create_model(name, __base__=base, **fields)
        return model
    return types.new_class(name, (base,), exec_body=partial(_answer_body, base, fields))


def _answer_body(base: type[Schema], fields: dict[str, Any], namespace: dict[str, Any]) -> None:
    # An answer's class body: each option's field and its ninja resolver (``resolve_<field>``).
    namespace["__module__"] = base.__module__
    namespace["__annotations__"] = {field: hint for field, (hint, _required) in fields.items()}
    for option in _options():
        namespace[f"resolve_{option.field}"] = staticmethod(partial(option_value, option=option))


def option_value(variant: Variant, *, option: _Option) -> Any:
    """One option field of a variant's answer: its own kind's as stored, another kind's at
    its default."""
    kind = option.kind
    if kind.slug != variant.account.platform:
        return getattr(_defaults(kind), option.name)
    return getattr(_parsed(kind, json.dumps(variant.options, sort_keys=True)), option.name)


@functools.lru_cache(maxsize=1024)
def _parsed(kind: ChannelKind, stored: str) -> VariantOptions | None:
    # Keyed by the stored JSON: reading a kind's schema costs about 0.3 ms (type hints), and
    # an answer reads each of its options apart, so a page would parse a variant's options
    # once per option field. The parsed options are frozen, so sharing them is safe.
    return kind.parse_options(json.loads(stored))


def options_in(
    fields: dict[str, Any], *, platform: str, current: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """Take every option field out of ``fields``; the account's kind's, over ``current``
    (None when the request sends none of them)."""
    given: dict[str, Any] = {}
    for option in _options():
        if option.field not in fields:
            continue
        value = fields.pop(option.field)
        if option.kind.slug == platform:
            given[option.name] = "" if value is None and _is_choice(option) else value
    if not given:
        return None
    return {**(current or {}), **{k: v for k, v in given.items() if v is not None}}
