"""A person's notifications: the list, opening one, marking them read. Thin; own rows only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.notifications.models import Notification
from quartieri.notifications.selectors import notification_list
from quartieri.notifications.services import notifications_mark_read


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@require_GET
@require_capability(Capability.VIEW_DASHBOARD)
def notification_list_view(request: HttpRequest) -> HttpResponse:
    entries = notification_list(user=_user(request))
    unread = sum(entry.unread for entry in entries)
    return render(request, "notifications/list.html", {"entries": entries, "unread_shown": unread})


@require_GET
@require_capability(Capability.VIEW_DASHBOARD)
def notification_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one's own notification read and go where it points (another's: 404)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=_user(request))
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    target = notification.url
    # Only a path of this platform: a stored link never sends anybody elsewhere.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(target, None):
        target = "/"
    return redirect(target)


@require_POST
@require_capability(Capability.VIEW_DASHBOARD)
def notification_read_view(request: HttpRequest) -> HttpResponse:
    """Mark read the notifications ticked (``ids``), or all of them (``all``)."""
    user = _user(request)
    ids = (
        None
        if "all" in request.POST
        else [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    )
    count = notifications_mark_read(user=user, ids=ids)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked read.", "%(count)s notifications marked read.", count
        )
        % {"count": count}
        if count
        else _("Nothing was unread."),
    )
    return redirect("notifications:list")
