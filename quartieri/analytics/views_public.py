"""The redirect and the beacon through Django, for servers that do not load quartieri.wsgi.

``quartieri serve`` answers both in front of Django (``edge.py``); these views give the
same answers from the same code when Django's own handler is the entry point (the test
client, a live test server, ``runserver``), at the cost of the middleware stack.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from quartieri.analytics.edge import Answer, shared_edge


def _response(answer: Answer) -> HttpResponse:
    response = HttpResponse(answer.body, status=int(answer.status[:3]))
    for name, value in answer.headers:
        if name.lower() != "content-length":
            response[name] = value
    return response


@login_not_required
def redirect_view(request: HttpRequest, code: str) -> HttpResponse:
    environ = dict(request.META)
    return _response(shared_edge().redirect(environ, code))


@csrf_exempt
@login_not_required
def beacon_view(request: HttpRequest) -> HttpResponse:
    environ = dict(request.META)
    environ["wsgi.input"] = request  # read lazily, after the size checks
    return _response(shared_edge().beacon(environ))
