from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.core.navigation import DashboardCard, app_modules
from quartieri.core.selectors import health_check
from quartieri.core.todo import inbox_sections


@require_capability(Capability.VIEW_DASHBOARD)
def home(request: HttpRequest) -> HttpResponse:
    cards: list[DashboardCard] = []
    for module in app_modules("dashboard"):
        cards.extend(module.cards(request))
    cards.sort(key=lambda card: card.order)
    return render(request, "core/home.html", {"cards": cards})


@require_capability(Capability.VIEW_DASHBOARD)
def inbox(request: HttpRequest) -> HttpResponse:
    """ "To do": what waits for this person, each app's kinds of work (core/todo.py)."""
    sections = inbox_sections(user=request.user)
    total = sum(section.count for section in sections)
    context = {
        "sections": sections,
        "busy": [section for section in sections if section.count],
        "idle": [section for section in sections if not section.count],
        "total": total,
        # The menu's count (context processor's InboxSummary) without counting again.
        "inbox": {"total": total},
    }
    return render(request, "core/inbox.html", context)


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and monitors: 200 when the database answers and a
    worker beat recently, 503 otherwise, with the details in the body."""
    health = health_check()
    return JsonResponse(health.as_json(), status=200 if health.ok else 503)


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    return render(request, template, status=status)


@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "errors/400.html")


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "errors/403.html")


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "errors/404.html")


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request context: the failure may be the database itself, which
    # the context processors (navigation, the signed-in user) would hit again.
    return HttpResponse(loader.render_to_string("errors/500.html"), status=500)
