"""``/p/<id>-<code>``: the short link the outbox writes at the end of every post
(payload.entry_marker). A reader who follows it reaches where the post points (its link),
else the post itself on its platform, else a page saying what the post was and when it
went out. Public: the post was."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from quartieri.publishing.models import OutboxEntry


def _entry(token: str) -> OutboxEntry:
    # The marker is the whole URL, whatever PUBLIC_URL was when the post went out: match on
    # its path, which the id and the random code make unique.
    entry = (
        OutboxEntry.objects.filter(marker__endswith=f"/p/{token}")
        .select_related("variant__content_item__campaign", "account")
        .first()
    )
    if entry is None or not token.partition("-")[2]:
        raise Http404
    return entry


@login_not_required
def post_link_view(request: HttpRequest, token: str) -> HttpResponse:
    entry = _entry(token)
    target = entry.variant.link or entry.permalink
    if target:
        return HttpResponseRedirect(target)
    context = {"entry": entry, "variant": entry.variant, "public_url": settings.PUBLIC_URL}
    return render(request, "publishing/post_link.html", context)
