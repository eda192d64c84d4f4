"""The project's URLs plus a stand-in for the newsletter's consent endpoint (contract 1),
for the build tests: the newsletter app is another branch's."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path

from quartieri.urls import urlpatterns as project

CONSENT = {
    "it": {"version": "daily-it-3", "text": "Acconsento a ricevere la newsletter quotidiana."},
    "en": {"version": "daily-en-3", "text": "I agree to receive the daily newsletter."},
}


@login_not_required
def consent(request: HttpRequest, newsletter_list: str, lang: str) -> JsonResponse:
    if newsletter_list != "daily" or lang not in CONSENT:
        raise Http404(lang)
    return JsonResponse(CONSENT[lang])


urlpatterns = [
    path("newsletter/consent/<slug:newsletter_list>/<str:lang>.json", consent),
    *project,
]
