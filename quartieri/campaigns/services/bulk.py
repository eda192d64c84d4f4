"""Approving or scheduling a selection of variants at once.

Each variant goes through the same service as one alone (``variant_approve``,
``variant_schedule``), in its own transaction, with the same permission checks, rules and
audit events: a refused one is reported with the service's reason and left exactly as it
was, the others proceed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from quartieri.accounts.models import User
from quartieri.campaigns.models import Variant
from quartieri.campaigns.services.variants import variant_approve, variant_schedule


@dataclass
class BulkResult:
    done: list[Variant] = field(default_factory=list)
    refused: list[tuple[Variant, str]] = field(default_factory=list)


def _each(variants: Sequence[Variant], step: Callable[[Variant], Variant]) -> BulkResult:
    result = BulkResult()
    for variant in sorted(variants, key=lambda v: v.pk):
        try:
            result.done.append(step(variant))
        except PermissionDenied as denied:
            result.refused.append((variant, str(denied)))
        except ValidationError as invalid:
            result.refused.append((variant, " ".join(invalid.messages)))
    return result


def variants_bulk_approve(*, actor: User, variants: Sequence[Variant]) -> BulkResult:
    return _each(variants, lambda variant: variant_approve(actor=actor, variant=variant))


def variants_bulk_schedule(
    *, actor: User, variants: Sequence[Variant], at: dt.datetime
) -> BulkResult:
    """Schedule each at ``at``; the account's spacing refuses a second post of one account."""
    return _each(variants, lambda variant: variant_schedule(actor=actor, variant=variant, at=at))
