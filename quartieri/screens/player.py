"""The player's side of the platform: its page, service worker, manifest, files and plays.

Every URL carries the display's secret token; nothing else authenticates a player (no
cookie, no session). A wrong, retired or revoked token gets a bare 404 on every URL and a
log line that names what it was (the token's hash prefix, never the token) and a keyed
pseudonym of the client, never its address. The page makes no third-party request and its
own CSP says so: scripts, styles, images, media and connections from this origin only,
plus ``blob:`` for the slides the player reads back from its cache.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db.models.fields.files import FieldFile
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotFound,
    HttpResponseNotModified,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.http import parse_etags
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from quartieri.accounts.privacy import pseudonymous_client_ip
from quartieri.screens import manifest as manifests
from quartieri.screens import plays as proof
from quartieri.screens import slides as slide_files
from quartieri.screens.models import Display, Rendition, RetiredToken, Slide
from quartieri.screens.services import PLAYER_PATH, display_seen, token_hash

logger = logging.getLogger("quartieri.screens.player")
# The player's own version, sent by player.js; bump both together.
PLAYER_VERSION = "1"
PLAYER_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "blob:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}


def _log_refusal(request: HttpRequest, token: str, what: str) -> None:
    hashed = token_hash(token)
    retired = (
        RetiredToken.objects.filter(token_hash=hashed).values_list("display_id", flat=True).first()
    )
    revoked = Display.objects.filter(token_hash=hashed).values_list("pk", flat=True).first()
    if retired is not None:
        known = f"a retired token of display {retired}"
    elif revoked is not None:
        known = f"the token of revoked display {revoked}"
    else:
        known = "an unknown token"
    logger.warning(
        "screens player %s refused: %s (token sha256 %s…, client %s)",
        what, known, hashed[:12], pseudonymous_client_ip(request),
    )  # fmt: skip


def _not_found() -> HttpResponseBase:
    # A word of body: browsers show their own error page for an empty 404.
    return HttpResponseNotFound(b"Not found.\n", content_type="text/plain")


def _lookup(token: str) -> Display | None:
    return (
        Display.objects.filter(token_hash=token_hash(token), active=True)
        .annotate(content_version=manifests.with_version())
        .first()
    )


PlayerView = Callable[..., HttpResponseBase]


def player_endpoint(what: str) -> Callable[[PlayerView], PlayerView]:
    """Resolve the token to an active display (else a bare 404), and keep the token out of
    the logs: Django logs every 4xx and 5xx with its path, and the path holds the token, so
    these responses are logged here instead, by display id or token hash."""

    def decorator(view: PlayerView) -> PlayerView:
        @wraps(view)
        def wrapper(
            request: HttpRequest, token: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            display = _lookup(token)
            if display is None:
                _log_refusal(request, token, what)
                response: HttpResponseBase = _not_found()
            else:
                try:
                    response = view(request, display, token, *args, **kwargs)
                except Exception:  # noqa: BLE001 - logged here without the path, answered 500
                    logger.exception("screens player %s failed for display %s", what, display.pk)
                    response = HttpResponseServerError(b"", content_type="text/plain")
                if response.status_code >= 400:
                    logger.info(
                        "screens player %s: %s for display %s",
                        what,
                        response.status_code,
                        display.pk,
                    )
            response._has_been_logged = True  # type: ignore[attr-defined]
            response.setdefault("Cache-Control", "no-cache")
            response["Referrer-Policy"] = "no-referrer"
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return login_not_required(wrapper)

    return decorator


def _seen(request: HttpRequest, display: Display) -> None:
    display_seen(
        display=display, now=timezone.now(), version=request.headers.get("X-Player-Version", "")
    )


@player_endpoint("page")
@require_GET
@csp_override(PLAYER_CSP)
def player_page(request: HttpRequest, display: Display, token: str) -> HttpResponseBase:
    context = {"display": display, "version": PLAYER_VERSION}
    return render(request, "screens/player.html", context)


def _shell_urls(token: str) -> list[str]:
    return [
        PLAYER_PATH.format(token=token),
        static("screens/player.js"),
        static("screens/player.css"),
    ]


@player_endpoint("service worker")
@require_GET
def player_service_worker(request: HttpRequest, display: Display, token: str) -> HttpResponseBase:
    config = {
        "prefix": "screens:" + PLAYER_PATH.format(token=token),  # as player.js names its caches
        "version": PLAYER_VERSION,
        "shell": _shell_urls(token),
    }
    return render(
        request,
        "screens/sw.js",
        {"config": json.dumps(config)},
        content_type="text/javascript; charset=utf-8",
    )


@player_endpoint("manifest")
@require_GET
def player_manifest(request: HttpRequest, display: Display, token: str) -> HttpResponseBase:
    now = timezone.now()
    _seen(request, display)
    held = parse_etags(request.headers.get("If-None-Match", ""))
    current = held[0] if len(held) == 1 else ""
    if manifests.is_fresh(display, etag=current, now=now):
        return _not_modified(display.manifest_etag)
    built = manifests.manifest_build(display, now=now)
    if built.etag in held:
        return _not_modified(built.etag)
    response = HttpResponse(built.body, content_type="application/json")
    response["ETag"] = built.etag
    return response


def _not_modified(etag: str) -> HttpResponseBase:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def _rendition(pk: int, name: str) -> tuple[FieldFile, str] | None:
    rendition = Rendition.objects.filter(pk=pk).first()
    if rendition is None or name != slide_files.file_name(rendition):
        return None
    return rendition.file, rendition.content_type


def _video(pk: int, name: str) -> tuple[FieldFile, str] | None:
    slide = Slide.objects.filter(pk=pk, kind=Slide.Kind.VIDEO).select_related("asset").first()
    if slide is None:
        return None
    try:
        file = slide_files.video_file(slide)
    except slide_files.RenderError:
        return None
    if name != slide_files.file_name(file):
        return None
    return file, slide.media_type or "video/mp4"


@player_endpoint("file")
@require_GET
def player_file(
    request: HttpRequest, display: Display, token: str, kind: str, pk: int, name: str
) -> HttpResponseBase:
    """A slide file: a rendition (``r``) or a video (``v``). Names change with the content,
    so a file is cached for good."""
    found = {"r": _rendition, "v": _video}[kind](pk, name) if kind in ("r", "v") else None
    if found is None:
        return _not_found()
    file, content_type = found
    try:
        response = FileResponse(file.open("rb"), content_type=content_type)
    except OSError:
        return _not_found()
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@csrf_exempt  # no cookie authenticates a player: the token in the path does
@player_endpoint("proof of play")
@require_POST
def player_plays(request: HttpRequest, display: Display, token: str) -> HttpResponseBase:
    _seen(request, display)
    try:
        payload: Any = json.loads(request.body or b"null")
        records = payload["plays"]
        if not isinstance(records, list):
            raise TypeError("plays")
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": 'the body must be JSON {"plays": [...]}'}, status=400)
    if len(records) > proof.MAX_BATCH:
        message = f"at most {proof.MAX_BATCH} plays per batch, got {len(records)}"
        return JsonResponse({"error": message}, status=413)
    now = timezone.now()
    outcome = proof.plays_record(display=display, records=records, now=now)
    etag = request.headers.get("X-Manifest-ETag", "")
    return JsonResponse(
        {
            "accepted": outcome.accepted,
            "duplicates": outcome.duplicates,
            "rejected": [r.__dict__ for r in outcome.rejected],
            # The manifest moved (a change, or "push now"): fetch it now, not at the next poll.
            "refresh": not manifests.is_fresh(display, etag=etag, now=now),
        }
    )
