"""Generating a content item's variants from its master texts (``compose.py`` cuts the text;
this writes, through the variant services, so every permission and audit rule applies)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.campaigns.compose import (
    GENERATED_FIELDS,
    Composed,
    compose_variant,
    fields_digest,
    item_media_kinds,
    master_text,
)
from quartieri.campaigns.models import ContentItem, Variant
from quartieri.campaigns.services.variants import VARIANT_SNAPSHOT, variant_create
from quartieri.channels.models import ChannelAccount, Language
from quartieri.channels.selectors import Duty, account_allows, user_grants

Status = Variant.Status


# --- Generating variants from the master texts (compose.py) ------------------------------


@dataclass
class GenerationResult:
    created: list[Variant] = field(default_factory=list)
    refreshed: list[Variant] = field(default_factory=list)
    unchanged: list[Variant] = field(default_factory=list)
    skipped: list[tuple[ChannelAccount, str]] = field(default_factory=list)


def _current_digest(variant: Variant) -> str:
    return fields_digest({name: getattr(variant, name) for name in GENERATED_FIELDS})


def _refresh_refusal(variant: Variant) -> str:
    """Why regenerating must leave ``variant`` alone ("" when it may be refreshed)."""
    if variant.status != Status.DRAFT:
        return _("it is “%(status)s”: edit it by hand") % {"status": variant.get_status_display()}
    if not variant.generated_digest:
        return _("it was written by hand")
    if _current_digest(variant) != variant.generated_digest:
        return _("it was edited after it was generated")
    return ""


def _refresh(*, actor: User, variant: Variant, composed: Composed) -> Variant:
    before = audit_snapshot(obj=variant, fields=VARIANT_SNAPSHOT)
    for name, value in composed.fields().items():
        setattr(variant, name, value)
    variant.generated_digest = composed.digest
    variant.last_edited_by = actor  # four eyes: whoever wrote the text does not approve it
    variant.full_clean()
    variant.save()
    audit_record(
        actor=actor,
        action="campaigns.variant.regenerate",
        target=variant,
        before=before,
        after=audit_snapshot(obj=variant, fields=VARIANT_SNAPSHOT),
    )
    return variant


def _generate_one(
    *,
    actor: User,
    item: ContentItem,
    account: ChannelAccount,
    language: str,
    kinds: set[str],
    existing: list[Variant],
    result: GenerationResult,
) -> None:
    if not master_text(item, language).strip():
        reason = _("the %(language)s master text is empty") % {"language": Language(language).label}
        result.skipped.append((account, reason))
        return
    composed = compose_variant(item=item, account=account, language=language, kinds=kinds)
    if not existing:
        created = variant_create(
            actor=actor,
            content_item=item,
            account=account,
            generated_digest=composed.digest,
            **composed.fields(),
        )
        result.created.append(created)
    for variant in existing:
        if reason := _refresh_refusal(variant):
            result.skipped.append((account, reason))
        elif variant.generated_digest == composed.digest:
            result.unchanged.append(variant)
        else:
            result.refreshed.append(_refresh(actor=actor, variant=variant, composed=composed))


@transaction.atomic
def variants_generate(
    *,
    actor: User,
    item: ContentItem,
    accounts: Iterable[ChannelAccount],
    language: str = "",
) -> GenerationResult:
    """One draft variant of ``item`` per account, from the master text in the account's
    language (``language`` overrides it for all). An account that already has variants of
    the item gets them refreshed only while nobody edited them since they were generated;
    the others are listed in ``skipped`` with the reason, never overwritten.

    Every account is checked before anything is written: one refused, nothing generated.
    """
    accounts = list(accounts)
    grants = user_grants(user=actor)
    for account in accounts:
        reason = account_allows(user=actor, account=account, duty=Duty.DRAFT, grants=grants)
        if reason:
            raise PermissionDenied(reason)
    existing: dict[int, list[Variant]] = defaultdict(list)
    rows = Variant.objects.select_for_update().filter(content_item=item, account__in=accounts)
    for variant in rows.order_by("pk"):
        existing[variant.account_id].append(variant)
    kinds = item_media_kinds(item)
    result = GenerationResult()
    for account in accounts:
        _generate_one(
            actor=actor,
            item=item,
            account=account,
            language=language or account.language,
            kinds=kinds,
            existing=existing[account.pk],
            result=result,
        )
    return result
