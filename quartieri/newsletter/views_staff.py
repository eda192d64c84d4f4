"""Staff pages: issues (editor, preview, review, test-send, send with live progress),
subscribers (segments by the filter form, consent timeline, GDPR export and erasure) and the
demo's Mailbox. Every action re-checks the role and the list's account grants in its service.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.channels.selectors import Duty, user_grants
from quartieri.newsletter import issues as issue_services
from quartieri.newsletter.filters import SubscriberFilter, segment_filters_clean
from quartieri.newsletter.forms import ComposeForm, IssueEditForm, RejectForm, SegmentForm
from quartieri.newsletter.mail import MailError, issue_test_send
from quartieri.newsletter.models import Issue, NewsletterList, Segment, Subscriber
from quartieri.newsletter.selectors import (
    consent_timeline,
    issue_list,
    list_allows,
    list_export_rows,
    lists_with_counts,
    subscriber_access,
)
from quartieri.newsletter.sending import issue_progress
from quartieri.newsletter.services import subscriber_erase

# The preview shows the issue's own HTML, which carries inline styles (e-mail needs them):
# it gets a policy of its own that runs no script at all, in a sandboxed frame of our page.
PREVIEW_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", "https:"],
    "frame-ancestors": ["'self'"],
    "sandbox": [""],
}


def _user(request: HttpRequest) -> User:
    # Every staff view is behind LoginRequiredMiddleware and a capability check.
    if not isinstance(request.user, User):
        raise PermissionDenied("sign in")
    return request.user


def _error_text(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@require_capability(Capability.VIEW_CONTENT)
@require_GET
def issue_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "newsletter/issue_list.html",
        {
            "issues": issue_list()[:100],
            "lists": lists_with_counts(),
            "compose_form": ComposeForm(initial={"date": timezone.localdate()}),
        },
    )


@require_capability(Capability.DRAFT_CONTENT)
@require_POST
def issue_compose_view(request: HttpRequest) -> HttpResponseBase:
    """The web side of ``quartieri newsletter compose``: a draft from the day's content."""
    form = ComposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("newsletter:issue_list")
    try:
        issue = issue_services.issue_compose(
            actor=_user(request),
            newsletter_list=form.cleaned_data["newsletter_list"],
            date=form.cleaned_data["date"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect("newsletter:issue_list")
    return redirect("newsletter:issue_detail", pk=issue.pk)


def _steps(user: User, issue: Issue, uncertain: int) -> dict[str, bool]:
    """The buttons the page shows (the services check again): one query for the grants."""
    grants = user_grants(user=user)

    def may(duty: Duty) -> bool:
        reason = list_allows(
            user=user, newsletter_list=issue.newsletter_list, duty=duty, grants=grants
        )
        return not reason

    wrote = user.pk in (issue.composed_by_id, issue.last_edited_by_id)
    status = Issue.Status
    return {
        "edit": may(Duty.DRAFT)
        and issue.status in {status.DRAFT, status.IN_REVIEW, status.APPROVED},
        "submit": may(Duty.DRAFT) and issue.status == status.DRAFT,
        "review": may(Duty.APPROVE) and not wrote and issue.status == status.IN_REVIEW,
        "send": may(Duty.PUBLISH) and issue.status == status.APPROVED,
        "pause": may(Duty.PUBLISH) and issue.status == status.SENDING,
        "resume": may(Duty.PUBLISH) and issue.status == status.PAUSED,
        "test": may(Duty.DRAFT),
        "resend": may(Duty.APPROVE)
        and may(Duty.PUBLISH)
        and issue.status == status.SENT
        and uncertain > 0,
    }


@require_capability(Capability.VIEW_CONTENT)
@require_GET
def issue_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(
        Issue.objects.select_related("newsletter_list__account", "segment"), pk=pk
    )
    progress = issue_progress(issue_id=issue.pk)
    return render(
        request,
        "newsletter/issue_detail.html",
        {
            "issue": issue,
            "steps": _steps(_user(request), issue, progress.uncertain),
            "progress": progress,
            "carried": issue.variants.select_related("content_item").order_by("pk"),
            "reject_form": RejectForm(),
        },
    )


@require_capability(Capability.VIEW_CONTENT)
@require_GET
def issue_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The live progress block (HTMX polls it while the issue is sending)."""
    issue = get_object_or_404(Issue, pk=pk)
    return render(
        request,
        "newsletter/_progress.html",
        {"issue": issue, "progress": issue_progress(issue_id=issue.pk)},
    )


@require_capability(Capability.VIEW_CONTENT)
@require_GET
@xframe_options_sameorigin
@csp_override(PREVIEW_CSP)
def issue_preview_view(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    issue = get_object_or_404(Issue, pk=pk)
    if language not in {"it", "en"}:
        raise PermissionDenied(language)
    if request.GET.get("format") == "text":
        return HttpResponse(
            getattr(issue, f"text_{language}"), content_type="text/plain; charset=utf-8"
        )
    return HttpResponse(getattr(issue, f"html_{language}"))


@require_capability(Capability.DRAFT_CONTENT)
def issue_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(Issue.objects.select_related("newsletter_list"), pk=pk)
    form = IssueEditForm(request.POST or None, instance=Issue.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            issue_services.issue_update(
                actor=_user(request),
                issue=issue,
                **{name: form.cleaned_data[name] for name in form.fields},
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved; the preview shows the new text."))
            return redirect("newsletter:issue_detail", pk=pk)
    return render(request, "newsletter/issue_form.html", {"issue": issue, "form": form})


_ACTIONS = {
    "submit": issue_services.issue_submit,
    "approve": issue_services.issue_approve,
    "send": issue_services.issue_send_start,
    "pause": issue_services.issue_pause,
    "resume": issue_services.issue_resume,
}


@require_capability(Capability.DRAFT_CONTENT)
@require_POST
def issue_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    issue = get_object_or_404(Issue.objects.select_related("newsletter_list"), pk=pk)
    try:
        if action == "reject":
            form = RejectForm(request.POST)
            issue_services.issue_reject(
                actor=_user(request),
                issue=issue,
                comment=form.data.get("comment", ""),
            )
        elif action == "test":
            _test_send(_user(request), issue)
        elif action in _ACTIONS:
            _ACTIONS[action](actor=_user(request), issue=issue)
        else:
            raise PermissionDenied(action)
    except (ValidationError, PermissionDenied, MailError) as error:
        text = str(error) if isinstance(error, MailError) else _error_text(error)
        messages.error(request, text)
    else:
        messages.success(request, _("Done."))
    return redirect("newsletter:issue_detail", pk=pk)


@require_capability(Capability.APPROVE_CONTENT)
@require_POST
def issue_resend_uncertain_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An approver sends the uncertain deliveries again, having read that some of those
    people may get a second copy (the form's checkbox says so; checked here too)."""
    issue = get_object_or_404(Issue.objects.select_related("newsletter_list"), pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, _("Tick the box saying that some of them may receive it twice, then send.")
        )
        return redirect("newsletter:issue_detail", pk=pk)
    try:
        count = issue_services.issue_resend_uncertain(actor=_user(request), issue=issue)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            ngettext(
                "Sending again to %(n)s subscriber.", "Sending again to %(n)s subscribers.", count
            )
            % {"n": count},
        )
    return redirect("newsletter:issue_detail", pk=pk)


def _test_send(user: User, issue: Issue) -> None:
    reason = list_allows(user=user, newsletter_list=issue.newsletter_list, duty=Duty.DRAFT)
    if reason:
        raise PermissionDenied(reason)
    if not user.email:
        raise ValidationError(_("Your account has no e-mail address to send the test to."))
    for language in ("it", "en"):
        issue_test_send(issue=issue, recipient=user.email, name=user.first_name, language=language)


# --- Subscribers ------------------------------------------------------------------------
@require_capability(Capability.MANAGE_SUBSCRIBERS)
def subscriber_list_view(request: HttpRequest) -> HttpResponse:
    filterset = SubscriberFilter(request.GET or None, queryset=Subscriber.objects.all())
    lists = NewsletterList.objects.all()
    segment_form = SegmentForm(request.POST or None)
    if request.method == "POST" and segment_form.is_valid():
        newsletter_list = get_object_or_404(NewsletterList, pk=request.POST.get("list"))
        try:
            filters = segment_filters_clean(request.GET.dict())
        except ValueError as error:
            segment_form.add_error(None, str(error))
        else:
            Segment.objects.create(
                newsletter_list=newsletter_list,
                name=segment_form.cleaned_data["name"],
                filters=filters,
            )
            messages.success(request, _("Segment saved: choose it in an issue's editor."))
            return redirect(request.get_full_path())
    queryset = filterset.qs if filterset.is_bound else Subscriber.objects.all()
    return render(
        request,
        "newsletter/subscriber_list.html",
        {
            "filter": filterset,
            "subscribers": queryset.order_by("-created_at")[:200],
            "count": queryset.count(),
            "lists": lists,
            "segments": Segment.objects.select_related("newsletter_list"),
            "segment_form": segment_form,
        },
    )


@require_capability(Capability.MANAGE_SUBSCRIBERS)
@require_GET
def subscriber_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscriber = get_object_or_404(Subscriber, pk=pk)
    return render(
        request,
        "newsletter/subscriber_detail.html",
        {
            "subscriber": subscriber,
            "timeline": consent_timeline(subscriber=subscriber),
            "subscriptions": subscriber.subscriptions.select_related("newsletter_list"),
            "bounces": subscriber.bounce_events.all()[:20],
        },
    )


@require_capability(Capability.MANAGE_SUBSCRIBERS)
@require_GET
def subscriber_access_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscriber = get_object_or_404(Subscriber, pk=pk)
    body = json.dumps(subscriber_access(subscriber=subscriber), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subscriber-{pk}.json"'
    return response


@require_capability(Capability.MANAGE_SUBSCRIBERS)
@require_POST
def subscriber_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscriber = get_object_or_404(Subscriber, pk=pk)
    subscriber_erase(actor=_user(request), subscriber=subscriber)
    messages.success(
        request, _("Erased. Only a hash remains, so the address is never mailed again.")
    )
    return redirect("newsletter:subscriber_list")


@require_capability(Capability.MANAGE_SUBSCRIBERS)
@require_GET
def list_export_view(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    newsletter_list = get_object_or_404(NewsletterList, slug=slug)
    response = StreamingHttpResponse(
        list_export_rows(newsletter_list=newsletter_list), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    return response
