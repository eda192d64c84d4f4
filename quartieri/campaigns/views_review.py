"""Reviewing together: a variant's review page, its comment thread, the review queue with
bulk approval and scheduling, and the editor's live check of a draft.

Thin: the services decide (permissions, rules, audit); these views parse, call and say
what happened. Workflow buttons post to ``variant_action_view`` with ``next`` set to the
review page, so each step is the one the campaign page takes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns import services
from quartieri.campaigns.forms import ScheduleForm, VariantForm
from quartieri.campaigns.models import Transition, Variant, VariantComment
from quartieri.campaigns.preview import variant_preview
from quartieri.campaigns.queue import review_queue
from quartieri.campaigns.selectors import variant_next_step
from quartieri.campaigns.services.comments import COMMENT_MAX, comment_refusal, mention_example
from quartieri.campaigns.validation import variant_validate
from quartieri.campaigns.views import _schedule_min
from quartieri.campaigns.views_edit import EDITABLE, _variant_to_edit, may_edit
from quartieri.campaigns.writing import (
    draft_counters,
    draft_report,
    master_diff,
    variant_draft,
    writing_summary,
)
from quartieri.channels.selectors import user_grants
from quartieri.lib.textdiff import diff_changed


def _actor(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def review_url(variant: Variant | int) -> str:
    return reverse("campaigns:variant_review", args=[getattr(variant, "pk", variant)])


# --- A variant's review page ----------------------------------------------------------------
def _reviewed(pk: int) -> Variant:
    timeline = Transition.objects.select_related("actor").order_by("at", "pk")
    comments = VariantComment.objects.select_related("author").prefetch_related("mentioned")
    return get_object_or_404(
        Variant.objects.select_related(
            "content_item__campaign", "account", "drafted_by", "last_edited_by"
        ).prefetch_related(
            Prefetch("transitions", queryset=timeline),
            Prefetch("comments", queryset=comments.order_by("created_at", "pk")),
        ),
        pk=pk,
    )


def _actions(user: User, variant: Variant) -> dict[str, Any]:
    if not user_can(user, Capability.DRAFT_CONTENT):
        return {"step": "", "editable": False, "can_comment": False}
    grants = user_grants(user=user)
    return {
        "step": variant_next_step(user=user, variant=variant, grants=grants),
        "editable": may_edit(user=user, variant=variant, grants=grants),
        "can_comment": not comment_refusal(user=user, variant=variant),
        "mention_example": mention_example(user=user, variant=variant),
    }


@require_GET
@require_capability(Capability.VIEW_CONTENT)
def variant_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    variant = _reviewed(pk)
    media = list(variant.media.order_by("pk"))
    diff = master_diff(variant)
    context = {
        "variant": variant,
        "campaign": variant.content_item.campaign,
        "item": variant.content_item,
        "preview": variant_preview(variant, media=media),
        "failures": variant_validate(variant, media=media),
        "counters": draft_counters(variant),
        "diff": diff if diff_changed(diff) else [],
        "schedule_min": _schedule_min(variant.content_item.campaign),
        "comment_max": COMMENT_MAX,
        "here": review_url(variant),
        **_actions(_actor(request), variant),
    }
    return render(request, "campaigns/variant_review.html", context)


@require_POST
@require_capability(Capability.DRAFT_CONTENT)  # analysts read the thread, never write in it
def variant_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_object_or_404(Variant, pk=pk)
    try:
        result = services.variant_comment_add(
            actor=_actor(request), variant=variant, body=request.POST.get("body", "")
        )
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, message)
        return redirect(f"{review_url(variant)}#comments")
    messages.success(request, _("Comment added."))
    if result.mentioned:
        names = ", ".join(f"@{user.username}" for user in result.mentioned)
        messages.info(request, _("Notified: %(names)s.") % {"names": names})
    if result.unknown:
        names = ", ".join(f"@{name}" for name in result.unknown)
        messages.warning(
            request,
            _("%(names)s: no colleague has that username, so nobody was notified for it.")
            % {"names": names},
        )
    return redirect(f"{review_url(variant)}#comment-{result.comment.pk}")


# --- The review queue and its bulk steps ----------------------------------------------------------
@require_GET
@require_capability(Capability.VIEW_CONTENT)
def review_queue_view(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    context = {
        "queue": review_queue(user=user),
        "can_act": user_can(user, Capability.DRAFT_CONTENT),
        "schedule_form": ScheduleForm(auto_id="bulk-%s"),
    }
    return render(request, "campaigns/review_queue.html", context)


def _report(request: HttpRequest, done_text: str, result: services.BulkResult) -> None:
    if result.done:
        names = "; ".join(str(variant) for variant in result.done)
        messages.success(request, done_text % {"count": len(result.done), "variants": names})
    for variant, reason in result.refused:
        messages.error(
            request,
            _("Not done: %(variant)s. %(reason)s") % {"variant": variant, "reason": reason},
        )


@require_POST
@require_capability(Capability.DRAFT_CONTENT)
def review_bulk_view(request: HttpRequest) -> HttpResponse:
    """Approve or schedule the ticked variants, each through its own service call."""
    ids = [int(value) for value in request.POST.getlist("variants") if value.isdigit()]
    chosen = list(
        Variant.objects.filter(pk__in=ids).select_related("content_item__campaign", "account")
    )
    action, actor = request.POST.get("action", ""), _actor(request)
    if not chosen:
        messages.error(request, _("Tick at least one variant."))
    elif action == "approve":
        result = services.variants_bulk_approve(actor=actor, variants=chosen)
        text = ngettext(
            "Approved %(count)s variant: %(variants)s.",
            "Approved %(count)s variants: %(variants)s.",
            len(result.done),
        )
        _report(request, text, result)
    elif action == "schedule":
        _bulk_schedule(request, actor, chosen)
    else:
        messages.error(request, _("Choose “approve” or “schedule”."))
    return redirect("campaigns:review_queue")


def _bulk_schedule(request: HttpRequest, actor: User, chosen: list[Variant]) -> None:
    try:
        resolved = ScheduleForm(request.POST).resolved()
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, _("Nothing scheduled: %(reason)s") % {"reason": message})
        return
    if resolved.warning:
        messages.warning(request, resolved.warning)
    result = services.variants_bulk_schedule(actor=actor, variants=chosen, at=resolved.at)
    text = ngettext(
        "Scheduled %(count)s variant: %(variants)s.",
        "Scheduled %(count)s variants: %(variants)s.",
        len(result.done),
    )
    _report(request, text, result)


# --- The editor's live check ------------------------------------------------------------------
def _form_changes(form: VariantForm) -> dict[str, Any]:
    """What the form says of the variant, for the fields that are valid (a bad hashtag does
    not stop the counter: it is reported as a form error beside the rest)."""
    data = dict(form.cleaned_data)
    options = {
        option: data.pop(name) for name, (option, _f) in form.option_fields.items() if name in data
    }
    changes = {name: value for name, value in data.items() if name in services.EDITABLE_FIELDS}
    if options:
        changes["options"] = {**form.variant.options, **options}
    return changes


@require_POST
@require_capability(Capability.DRAFT_CONTENT)
def variant_check_view(request: HttpRequest, pk: int) -> JsonResponse:
    """The draft as typed (never saved): counters, rule failures, preview HTML, form errors."""
    variant = _variant_to_edit(request, pk)
    if variant.status not in EDITABLE:
        raise PermissionDenied(variant.get_status_display())
    form = VariantForm(request.POST, variant=variant)
    form.is_valid()
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    try:
        draft = variant_draft(variant, _form_changes(form))
    except ValidationError as invalid:
        return JsonResponse({"errors": {**errors, **invalid.message_dict}}, status=400)
    report = draft_report(draft=draft, media=list(variant.media.order_by("pk")))
    preview = render_to_string(report.preview.template, report.preview.context, request=request)
    problems = [
        f"{form[name].label if name in form.fields else name}: {message}"
        for name, messages_ in errors.items()
        for message in messages_
    ] + [failure.message for failure in report.failures]
    platform = variant.account.get_platform_display()
    return JsonResponse(
        {
            "ok": not problems,
            "summary": writing_summary(problems=problems, platform=platform),
            "problems": problems,
            "errors": errors,
            "counters": [counter.as_json() for counter in report.counters],
            "failures": [
                {"field": f.field, "message": f.message, "limit": f.limit, "actual": f.actual}
                for f in report.failures
            ],
            "preview": preview,
            "warnings": report.warnings,
        }
    )
