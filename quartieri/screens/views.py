"""Staff pages for the city screens: the map of displays, groups, slides, the playlist
editor, schedules, a display's next hour and proof of play, and the campaign report.

Reading needs VIEW_CONTENT; every change needs MANAGE_SCREENS (checked again by the
services). The player's own URLs are in player.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns.models import Campaign
from quartieri.screens import selectors, services, slides
from quartieri.screens.forms import (
    DisplayForm,
    GroupForm,
    PlaylistAddForm,
    PlaylistForm,
    ScheduleForm,
    SlideForm,
)
from quartieri.screens.models import Display, DisplayGroup, Playlist, Schedule, Slide

VIEW, MANAGE = Capability.VIEW_CONTENT, Capability.MANAGE_SCREENS


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # LoginRequiredMiddleware makes this unreachable
        raise PermissionDenied
    return request.user


def _can_manage(request: HttpRequest) -> bool:
    return user_can(request.user, MANAGE)


def _errors_to_form(form: BaseForm, error: ValidationError, **aliases: str) -> None:
    """The service's errors on the form's fields (``aliases``: service field → form field)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            name = aliases.get(field, field)
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# --- Displays ----------------------------------------------------------------------------------
def _map_data(displays: list[Display]) -> dict[str, Any]:
    return {
        "tiles": settings.MAP_TILE_URL,
        "displays": [
            {"name": d.name, "lat": d.lat, "lon": d.lon, "url": f"/screens/displays/{d.pk}/"}
            for d in displays
            if d.lat is not None and d.lon is not None
        ],
    }


@require_capability(VIEW)
def display_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    displays = list(selectors.display_list())
    rows = [(display, selectors.display_health(display, now=now)) for display in displays]
    context = {
        "rows": rows,
        "labels": selectors.HEALTH_LABELS,
        "map_data": _map_data(displays),
        "stale_minutes": settings.SCREENS_STALE_MINUTES,
        "can_manage": _can_manage(request),
        "unlocated": sum(1 for d in displays if d.lat is None),
    }
    return render(request, "screens/display_list.html", context)


@require_capability(VIEW)
def display_detail(request: HttpRequest, pk: int) -> HttpResponse:
    display = get_object_or_404(selectors.display_list(), pk=pk)
    now = timezone.now()
    health = selectors.display_health(display, now=now)
    can_manage = _can_manage(request)
    context = {
        "display": display,
        "health": health,
        "health_label": selectors.HEALTH_LABELS[health],
        "preview": selectors.display_preview(display, now=now),
        "plays": selectors.display_plays(display),
        "can_manage": can_manage,
        # The player's address holds its secret: only those who may rotate it see it.
        "player_path": services.display_player_path(display)
        if can_manage and display.active
        else "",
        "map_data": _map_data([display]),
    }
    return render(request, "screens/display_detail.html", context)


@require_capability(MANAGE)
def display_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    display = get_object_or_404(Display, pk=pk) if pk is not None else None
    actor = _user(request)

    def save(data: dict[str, Any]) -> Display:
        groups = data.pop("groups")
        if display is None:
            return services.display_create(actor=actor, groups=groups, **data)
        return services.display_update(actor=actor, display=display, groups=groups, **data)

    return _edit(
        request, DisplayForm(request.POST or None, instance=display), display,
        titles=(_("New display"), _("Edit display")), save=save, message=_("Display saved."),
        done=lambda saved: redirect("screens:display_detail", pk=saved.pk),
    )  # fmt: skip


def _edit(
    request: HttpRequest,
    form: BaseForm,
    instance: Any,
    *,
    titles: tuple[str, str],
    save: Callable[[dict[str, Any]], Any],
    message: str,
    done: Callable[[Any], HttpResponseBase],
    aliases: dict[str, str] | None = None,
) -> HttpResponseBase:
    """A create/edit page: a valid POST goes to ``save`` (a service) and then ``done``; the
    service's refusals land on the form's fields (``aliases``: service field → form field)."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(dict(form.cleaned_data))
        except ValidationError as error:
            _errors_to_form(form, error, **(aliases or {}))
        else:
            messages.success(request, message)
            return done(saved)
    context = {**_form_context(form, instance, titles), "multipart": form.is_multipart()}
    return render(request, "screens/form.html", context, status=400 if form.errors else 200)


def _form_context(form: BaseForm, instance: Any, titles: tuple[str, str]) -> dict[str, Any]:
    """``titles``: (new, edit): whole phrases, so each language can agree them."""
    return {"form": form, "instance": instance, "title": titles[instance is not None]}


@require_capability(MANAGE)
@require_POST
def display_rotate(request: HttpRequest, pk: int) -> HttpResponseBase:
    display = get_object_or_404(Display, pk=pk)
    services.display_rotate_token(actor=_user(request), display=display)
    messages.success(
        request,
        _(
            "New player address made: the old one now shows nothing. Open the new one on the screen."
        ),
    )
    return redirect("screens:display_detail", pk=pk)


@require_capability(MANAGE)
@require_POST
def display_active(request: HttpRequest, pk: int) -> HttpResponseBase:
    display = get_object_or_404(Display, pk=pk)
    active = request.POST.get("active") == "1"
    services.display_update(actor=_user(request), display=display, active=active)
    messages.success(
        request,
        _("Display reactivated.")
        if active
        else _("Display revoked: its player now shows nothing."),
    )
    return redirect("screens:display_detail", pk=pk)


@require_capability(MANAGE)
@require_POST
def push(request: HttpRequest) -> HttpResponseBase:
    pk = request.POST.get("display", "")
    chosen = [get_object_or_404(Display, pk=int(pk))] if pk.isdigit() else None
    count = services.display_push(actor=_user(request), displays=chosen)
    messages.success(
        request,
        _("Pushed to %(count)s displays: they fetch their schedule at their next report or poll.")
        % {"count": count},
    )
    return (
        redirect("screens:display_detail", pk=int(pk))
        if chosen
        else redirect("screens:display_list")
    )


# --- Groups --------------------------------------------------------------------------------------
@require_capability(VIEW)
def group_list(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None) if _can_manage(request) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(MANAGE.value)
        if form.is_valid():
            try:
                services.group_create(actor=_user(request), **form.cleaned_data)
                messages.success(request, _("Group saved."))
                return redirect("screens:group_list")
            except ValidationError as error:
                _errors_to_form(form, error)
    context = {"groups": selectors.group_list(), "form": form, "can_manage": form is not None}
    return render(
        request,
        "screens/group_list.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )


@require_capability(MANAGE)
def group_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    group = get_object_or_404(DisplayGroup, pk=pk)
    return _edit(
        request, GroupForm(request.POST or None, instance=group), group,
        titles=(_("New group"), _("Edit group")), message=_("Group saved."),
        save=lambda data: services.group_update(actor=_user(request), group=group, **data),
        done=lambda _saved: redirect("screens:group_list"),
    )  # fmt: skip


# --- Slides ---------------------------------------------------------------------------------------
@require_capability(VIEW)
def slide_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "screens/slide_list.html",
        {"slides": selectors.slide_list(), "can_manage": _can_manage(request)},
    )


def _sizes_in_use() -> set[tuple[int, int]]:
    """The resolutions of the displays, or a common one before there is any display."""
    return set(Display.objects.values_list("width", "height").distinct()) or {(1920, 1080)}


@require_capability(VIEW)
def slide_detail(request: HttpRequest, pk: int) -> HttpResponse:
    slide = get_object_or_404(selectors.slide_list(), pk=pk)
    context = {"slide": slide, "sizes": sorted(_sizes_in_use()), "can_manage": _can_manage(request)}
    return render(request, "screens/slide_detail.html", context)


@require_capability(MANAGE)
def slide_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    slide = get_object_or_404(Slide, pk=pk) if pk is not None else None
    actor = _user(request)

    def save(data: dict[str, Any]) -> Slide:
        upload = data.pop("upload")
        if slide is None:
            return slides.slide_create(actor=actor, upload=upload, **data)
        return slides.slide_update(actor=actor, slide=slide, upload=upload, **data)

    return _edit(
        request, SlideForm(request.POST or None, request.FILES or None, instance=slide), slide,
        titles=(_("New slide"), _("Edit slide")), save=save, message=_("Slide saved."),
        done=lambda saved: redirect("screens:slide_detail", pk=saved.pk), aliases={"media": "upload"},
    )  # fmt: skip


@require_capability(VIEW)
def slide_preview(request: HttpRequest, pk: int, width: int, height: int) -> HttpResponseBase:
    """The slide as a display of that resolution shows it (videos: the file itself)."""
    slide = get_object_or_404(
        Slide.objects.select_related("neighbourhood", "campaign", "asset"), pk=pk
    )
    # Only resolutions in use: any other would store a rendition nobody plays.
    if (width, height) not in _sizes_in_use():
        raise Http404("resolution")
    try:
        if slide.kind == Slide.Kind.VIDEO:
            video = slides.video_file(slide)
            return FileResponse(video.open("rb"), content_type=slide.media_type or "video/mp4")
        rendition = slides.rendition_for(slide=slide, width=width, height=height)
        return FileResponse(rendition.file.open("rb"), content_type=rendition.content_type)
    except (slides.RenderError, OSError):
        raise Http404("the slide cannot be shown") from None


# --- Playlists ------------------------------------------------------------------------------------
@require_capability(VIEW)
def playlist_list(request: HttpRequest) -> HttpResponse:
    form = PlaylistForm(request.POST or None) if _can_manage(request) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(MANAGE.value)
        if form.is_valid():
            playlist = services.playlist_create(
                actor=_user(request), name=form.cleaned_data["name"]
            )
            return redirect("screens:playlist_detail", pk=playlist.pk)
    context = {"playlists": selectors.playlist_list(), "form": form}
    return render(
        request,
        "screens/playlist_list.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )


def _posted_items(request: HttpRequest) -> list[tuple[int, int]]:
    """(slide id, seconds) of the editor's rows in the order posted, with the row's
    move (no-JavaScript path) and removals applied."""
    rows = request.POST.getlist("row")
    removed = set(request.POST.getlist("remove"))
    items = []
    for row in rows:
        if row in removed:
            continue
        slide, seconds = (
            request.POST.get(f"slide_{row}", ""),
            request.POST.get(f"seconds_{row}", ""),
        )
        if not slide.isdigit() or not seconds.lstrip("-").isdigit():
            raise ValidationError(
                _("Row %(row)s: the seconds must be a whole number.") % {"row": row}
            )
        items.append((row, int(slide), int(seconds)))
    row, _sep, direction = request.POST.get("move", "").partition(":")
    index = next((i for i, item in enumerate(items) if item[0] == row), None)
    if index is not None:
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
    return [(slide, seconds) for _row, slide, seconds in items]


@require_capability(VIEW)
def playlist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = get_object_or_404(Playlist, pk=pk)
    editable = _can_manage(request) and playlist.channel_group_id is None
    add = PlaylistAddForm(request.POST if "add" in request.POST else None) if editable else None
    error = ""
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(MANAGE.value)
        try:
            wanted = _posted_items(request)
            if add is not None and add.is_bound:
                if not add.is_valid():
                    raise ValidationError(_("Choose a slide and its seconds to add it."))
                wanted.append((add.cleaned_data["slide"].pk, add.cleaned_data["seconds"]))
            chosen = Slide.objects.in_bulk([slide for slide, _s in wanted])
            if len(chosen) != len({slide for slide, _s in wanted}):
                raise ValidationError(_("A slide of the list no longer exists: reload the page."))
            services.playlist_set_items(
                actor=_user(request), playlist=playlist, items=[(chosen[s], n) for s, n in wanted]
            )
            messages.success(request, _("Playlist saved."))
            return redirect("screens:playlist_detail", pk=pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    context = {
        "playlist": playlist,
        "items": selectors.playlist_items(playlist),
        "editable": editable,
        "add": add or (PlaylistAddForm() if editable else None),
        "error": error,
        "editor_texts": {
            "moved": _(
                "%(name)s moved to position %(position)s of %(count)s. Save to keep the order."
            ),
        },
    }
    return render(request, "screens/playlist_detail.html", context, status=400 if error else 200)


# --- Schedules --------------------------------------------------------------------------------------
@require_capability(VIEW)
def schedule_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "screens/schedule_list.html",
        {"schedules": selectors.schedule_list(), "can_manage": _can_manage(request)},
    )


@require_capability(MANAGE)
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    schedule = get_object_or_404(Schedule, pk=pk) if pk is not None else None

    def save(data: dict[str, Any]) -> Schedule:
        displays, groups = list(data.pop("displays")), list(data.pop("groups"))
        return services.schedule_save(
            actor=_user(request), schedule=schedule, displays=displays, groups=groups, **data
        )

    return _edit(
        request, ScheduleForm(request.POST or None, instance=schedule), schedule,
        titles=(_("New schedule"), _("Edit schedule")), save=save, message=_("Schedule saved."),
        done=lambda _saved: redirect("screens:schedule_list"),
    )  # fmt: skip


@require_capability(MANAGE)
@require_POST
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    services.schedule_delete(actor=_user(request), schedule=get_object_or_404(Schedule, pk=pk))
    messages.success(request, _("Schedule deleted."))
    return redirect("screens:schedule_list")


# --- Campaign report ---------------------------------------------------------------------------------
@require_capability(VIEW)
def campaign_report(request: HttpRequest) -> HttpResponse:
    campaigns = list(Campaign.objects.order_by("-start_date"))
    chosen = request.GET.get("campaign", "")
    campaign = next(
        (c for c in campaigns if str(c.pk) == chosen), campaigns[0] if campaigns else None
    )
    rows = selectors.campaign_play_report(campaign_id=campaign.pk) if campaign else []
    context = {
        "campaigns": campaigns,
        "campaign": campaign,
        "rows": rows,
        "total_plays": sum(row.plays for row in rows),
        "total_hours": sum(row.seconds for row in rows) / 3600,
    }
    return render(request, "screens/report.html", context)
