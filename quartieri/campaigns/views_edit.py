"""Staff forms: campaigns, content items, generating variants and editing a variant.

Thin: the forms parse input, the services check permissions and rules and write (with an
audit event); a service's refusal is shown on the form, next to its field, with the
person's input kept. Role checks at the view (``require_capability``) only keep people
away from forms they could never submit; the services have the last word.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns import services
from quartieri.campaigns.forms import (
    CampaignForm,
    ContentItemForm,
    GenerateForm,
    VariantForm,
    apply_service_errors,
    campaign_initial,
    content_item_initial,
)
from quartieri.campaigns.models import Campaign, ContentItem, Variant
from quartieri.campaigns.validation import variant_validate
from quartieri.campaigns.writing import editor_context, item_diffs
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.selectors import Duty, account_allows, user_grants

S = Variant.Status
EDITABLE = (S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED)


def _actor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _attempt[T](form: forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Run a service call; on a refusal put its reasons on ``form`` and return None."""
    try:
        return call()
    except ValidationError as error:
        apply_service_errors(form, error)
        return None


def campaign_url(campaign: Campaign) -> str:
    return reverse("campaigns:campaign_detail", args=[campaign.slug])


def item_url(item: ContentItem) -> str:
    return reverse("campaigns:item_detail", args=[item.pk])


# --- Campaigns ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPROVE_CONTENT)
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = _actor(request)
        campaign = _attempt(
            form, lambda: services.campaign_create(actor=actor, **form.cleaned_data)
        )
        if campaign is not None:
            messages.success(request, _("Campaign “%(name)s” created.") % {"name": campaign})
            return redirect(campaign_url(campaign))
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": None})


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPROVE_CONTENT)
def campaign_update_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    initial = campaign_initial(campaign)
    form = CampaignForm(request.POST or None, initial=initial, current_audiences=campaign.audiences)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing changed."))
            return redirect(campaign_url(campaign))
        actor = _actor(request)
        saved = _attempt(
            form,
            lambda: services.campaign_update(actor=actor, campaign=campaign, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("Campaign “%(name)s” saved.") % {"name": saved})
            return redirect(campaign_url(saved))
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


# --- Content items -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability(Capability.DRAFT_CONTENT)
def item_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    form = ContentItemForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        actor = _actor(request)
        item = _attempt(
            form,
            lambda: services.content_item_create(
                actor=actor, campaign=campaign, **form.service_fields()
            ),
        )
        if item is not None:
            messages.success(request, _("Content item “%(title)s” created.") % {"title": item})
            return redirect(item_url(item))
    context = {"form": form, "campaign": campaign, "item": None}
    return render(request, "campaigns/item_form.html", context)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.DRAFT_CONTENT)
def item_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ContentItem.objects.select_related("campaign"), pk=pk)
    form = ContentItemForm(
        request.POST or None, campaign=item.campaign, initial=content_item_initial(item)
    )
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing changed."))
            return redirect(item_url(item))
        actor = _actor(request)
        saved = _attempt(
            form,
            lambda: services.content_item_update(actor=actor, item=item, **form.service_fields()),
        )
        if saved is not None:
            messages.success(request, _("Content item “%(title)s” saved.") % {"title": saved})
            return redirect(item_url(saved))
    context = {"form": form, "campaign": item.campaign, "item": item}
    return render(request, "campaigns/item_form.html", context)


def _item_rows(*, user: User, item: ContentItem) -> list[tuple[Variant, bool]]:
    """The item's variants, each with whether ``user`` may edit it: two queries at most."""
    variants = list(
        Variant.objects.filter(content_item=item)
        .select_related("account")
        .order_by("account__platform", "account__handle", "pk")
    )
    if not user_can(user, Capability.DRAFT_CONTENT):
        return [(variant, False) for variant in variants]
    grants = user_grants(user=user)
    return [(variant, may_edit(user=user, variant=variant, grants=grants)) for variant in variants]


def may_edit(*, user: User, variant: Variant, grants: dict[int, AccountGrant]) -> bool:
    """Whether to offer ``user`` the edit form of ``variant`` (the service checks again)."""
    if variant.status not in EDITABLE:
        return False
    return not account_allows(user=user, account=variant.account, duty=Duty.DRAFT, grants=grants)


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def item_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        ContentItem.objects.select_related("campaign", "neighbourhood", "tour", "playlist"),
        pk=pk,
    )
    user = _actor(request)
    can_draft = user_can(user, Capability.DRAFT_CONTENT)
    generate_form = GenerateForm(user=user) if can_draft else None
    rows = _item_rows(user=user, item=item)
    context = {
        "item": item,
        "campaign": item.campaign,
        "rows": rows,
        "diffs": item_diffs(item=item, variants=[variant for variant, _editable in rows]),
        "can_draft": can_draft,
        "generate_form": generate_form,
    }
    return render(request, "campaigns/item_detail.html", context)


def _names(accounts: list[ChannelAccount]) -> str:
    return ", ".join(str(account) for account in accounts)


def _report(request: HttpRequest, result: services.GenerationResult) -> None:
    """Say what generating did, account by account: nothing skipped goes unmentioned."""
    if result.created:
        count = len(result.created)
        text = ngettext(
            "Created %(count)s draft variant: %(accounts)s.",
            "Created %(count)s draft variants: %(accounts)s.",
            count,
        )
        accounts = [variant.account for variant in result.created]
        messages.success(request, text % {"count": count, "accounts": _names(accounts)})
    if result.refreshed:
        accounts = [variant.account for variant in result.refreshed]
        messages.success(
            request,
            _("Refreshed from the master text: %(accounts)s.") % {"accounts": _names(accounts)},
        )
    if result.unchanged:
        accounts = [variant.account for variant in result.unchanged]
        messages.info(
            request, _("Already up to date: %(accounts)s.") % {"accounts": _names(accounts)}
        )
    for account, reason in result.skipped:
        messages.warning(
            request,
            _("Skipped %(account)s: %(reason)s.") % {"account": account, "reason": reason},
        )


@require_POST
@require_capability(Capability.DRAFT_CONTENT)
def item_generate_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ContentItem.objects.select_related("campaign"), pk=pk)
    actor = _actor(request)
    form = GenerateForm(request.POST, user=actor)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, _("Nothing generated: %(reason)s") % {"reason": error})
        return redirect(f"{item_url(item)}#generate")
    result = services.variants_generate(
        actor=actor,
        item=item,
        accounts=form.cleaned_data["accounts"],
        language=form.cleaned_data["language"],
    )
    _report(request, result)
    return redirect(f"{item_url(item)}#variants")


# --- Variants ------------------------------------------------------------------------------


def _saved_message(status_before: str) -> str:
    if status_before == S.SCHEDULED:
        return _(
            "Saved. The variant is back in review and off the calendar: it needs a new "
            "approval and a new time."
        )
    if status_before == S.APPROVED:
        return _("Saved. The variant is back in review: it needs a new approval.")
    return _("Saved.")


def _variant_to_edit(request: HttpRequest, pk: int) -> Variant:
    """The variant, if ``request.user`` may draft on its account (403 with the reason)."""
    variant = get_object_or_404(
        Variant.objects.select_related("content_item__campaign", "account"), pk=pk
    )
    refusal = account_allows(user=_actor(request), account=variant.account, duty=Duty.DRAFT)
    if refusal:
        raise PermissionDenied(refusal)
    return variant


def _save_variant(request: HttpRequest, form: VariantForm) -> HttpResponse | None:
    """Save the changed fields; the redirect to show, or None to show the form again."""
    variant = form.variant
    edit_url = reverse("campaigns:variant_edit", args=[variant.pk])
    changes = form.changes()
    if not changes:  # pressing Save on an approved variant must not cost its approval
        messages.info(request, _("Nothing changed."))
        return redirect(edit_url)
    status, actor = variant.status, _actor(request)
    saved = _attempt(form, lambda: services.variant_update(actor=actor, variant=variant, **changes))
    if saved is None:
        return None
    messages.success(request, _saved_message(status))
    return redirect(edit_url)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.DRAFT_CONTENT)
def variant_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    variant = _variant_to_edit(request, pk)
    if variant.status not in EDITABLE:
        messages.error(
            request,
            _("This variant is “%(status)s”: it can no longer be edited.")
            % {"status": variant.get_status_display()},
        )
        return redirect(item_url(variant.content_item))
    form = VariantForm(request.POST or None, variant=variant)
    answer = _save_variant(request, form) if form.is_bound and form.is_valid() else None
    if answer is not None:
        return answer
    media = list(variant.media.order_by("pk"))
    failures = variant_validate(variant, media=media)
    if not form.is_bound:
        # The platform rules as the variant stands; after a refused POST the person's input
        # (not yet saved) is what the field errors are about.
        form.attach_rules(failures)
    at = variant.scheduled_at
    context = {
        "form": form,
        "variant": variant,
        "item": variant.content_item,
        "campaign": variant.content_item.campaign,
        "scheduled_local": timezone.localtime(at) if at else None,
        # Beside the form: preview, live counters and checks, diff, media (writing.py).
        **editor_context(variant=variant, failures=failures, media=media),
    }
    return render(request, "campaigns/variant_form.html", context)


def campaign_items(campaign: Campaign) -> list[ContentItem]:
    """The campaign's content items with their number of variants, for the campaign page."""
    return list(
        ContentItem.objects.filter(campaign=campaign)
        .select_related("neighbourhood")
        .annotate(variant_count=Count("variants"))
        .order_by("title", "pk")
    )
