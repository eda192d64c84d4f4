"""Staff pages for places: the map, POIs, the tour editor and the playlist editor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quartieri.accounts.models import User
from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.places import documents, exports, selectors, services, spotify
from quartieri.places.forms import (
    LocateForm,
    PlaylistForm,
    StopAddForm,
    StopEditForm,
    TourForm,
    TrackForm,
)
from quartieri.places.models import (
    Category,
    Neighbourhood,
    Playlist,
    PointOfInterest,
    Tour,
    TourStop,
    Track,
)

POI_PAGE_SIZE = 100


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # LoginRequiredMiddleware makes this unreachable
        raise PermissionDenied
    return request.user


def _lang() -> str:
    return "en" if (get_language() or "it").startswith("en") else "it"


def _poi_json(poi: PointOfInterest) -> dict[str, Any]:
    return {
        "id": poi.pk,
        "name": poi.name_it,
        "category": poi.get_category_display(),
        "lat": poi.lat,
        "lon": poi.lon,
        "odbl": poi.is_odbl,
    }


@require_capability(Capability.VIEW_PLACES)
def map_view(request: HttpRequest) -> HttpResponse:
    neighbourhoods = list(selectors.neighbourhood_list().order_by("name_it"))
    featured = [n for n in neighbourhoods if n.tour_count or n.playlist_count]  # type: ignore[attr-defined]
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    pois = (
        list(selectors.poi_list(category=category).exclude(lat__isnull=True)[:2000])
        if category
        else []
    )
    map_data = {
        "tiles": settings.MAP_TILE_URL,
        "neighbourhoods": [
            {
                "name": n.name_it,
                "code": n.code,
                "url": f"/places/neighbourhoods/{n.slug}/",
                "featured": n in featured,
                "geometry": n.geometry,
            }
            for n in neighbourhoods
        ],
        "pois": [_poi_json(p) for p in pois],
    }
    return render(
        request,
        "places/map.html",
        {
            "neighbourhoods": neighbourhoods,
            "featured": featured,
            "categories": Category.choices,
            "category": category,
            "pois": pois,
            "map_data": map_data,
            "needs_location": selectors.poi_list(needs_location=True),
            "attributions": selectors.attributions(),
        },
    )


@require_capability(Capability.VIEW_PLACES)
def neighbourhood_detail(request: HttpRequest, slug: str) -> HttpResponse:
    neighbourhood = get_object_or_404(Neighbourhood, slug=slug)
    pois = list(
        selectors.poi_list(neighbourhood=neighbourhood)
        .exclude(category__in=["stop", "fountain"])
        .order_by("category", "name_it")
    )
    map_data = {
        "tiles": settings.MAP_TILE_URL,
        "neighbourhoods": [
            {"name": neighbourhood.name_it, "geometry": neighbourhood.geometry, "featured": True}
        ],
        "pois": [_poi_json(p) for p in pois if not p.needs_location],
    }
    return render(
        request,
        "places/neighbourhood_detail.html",
        {
            "neighbourhood": neighbourhood,
            "pois": pois,
            "tours": selectors.tour_list(neighbourhood=neighbourhood),
            "playlists": selectors.playlist_list(neighbourhood=neighbourhood),
            "map_data": map_data,
        },
    )


@require_capability(Capability.VIEW_PLACES)
def poi_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    needs = request.GET.get("needs_location") == "1"
    qs = selectors.poi_list(
        category=category if category in Category.values else "", needs_location=needs
    )
    page = Paginator(qs.order_by("name_it"), POI_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "places/poi_list.html",
        {
            "page": page,
            "categories": Category.choices,
            "category": category,
            "needs": needs,
            "can_edit": user_can(request.user, Capability.EDIT_PLACES),
        },
    )


@require_capability(Capability.EDIT_PLACES)
def poi_locate(request: HttpRequest, pk: int) -> HttpResponseBase:
    poi = get_object_or_404(PointOfInterest, pk=pk)
    form = LocateForm(request.POST or None, initial={"lat": poi.lat, "lon": poi.lon})
    if request.method == "POST" and form.is_valid():
        services.poi_set_location(
            actor=_user(request),
            poi=poi,
            lon=form.cleaned_data["lon"],
            lat=form.cleaned_data["lat"],
        )
        messages.success(request, _("Location saved for %(name)s.") % {"name": poi.name_it})
        return redirect("places:poi_list")
    centre = poi.neighbourhood
    map_data = {
        "tiles": settings.MAP_TILE_URL,
        "neighbourhoods": [{"name": centre.name_it, "geometry": centre.geometry, "featured": True}]
        if centre
        else [],
        "pois": [_poi_json(poi)] if not poi.needs_location else [],
        "pick": True,
    }
    return render(
        request, "places/poi_locate.html", {"poi": poi, "form": form, "map_data": map_data}
    )


# --- Tours --------------------------------------------------------------------------------


@require_capability(Capability.VIEW_PLACES)
def tour_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "places/tour_list.html",
        {
            "tours": selectors.tour_list(),
            "can_edit": user_can(request.user, Capability.EDIT_PLACES),
        },
    )


def _transport_choices(tour: Tour | None) -> list[PointOfInterest] | None:
    if tour is None:
        return None
    found: dict[int, PointOfInterest] = {}
    stops = selectors.tour_stops(tour=tour)
    anchors = [(s.poi.lon, s.poi.lat) for s in stops[:1] + stops[-1:] if not s.poi.needs_location]
    if not anchors:
        anchors = [(tour.neighbourhood.centroid_lon, tour.neighbourhood.centroid_lat)]
    for lon, lat in anchors:
        for poi, _d in selectors.transport_near(lon=float(lon or 0), lat=float(lat or 0), limit=10):
            found[poi.pk] = poi
    for current in (tour.start, tour.end):
        if current is not None:
            found[current.pk] = current
    return list(found.values())


@require_capability(Capability.EDIT_PLACES)
def tour_create(request: HttpRequest) -> HttpResponseBase:
    form = TourForm(request.POST or None)
    form.fields["start"].queryset = PointOfInterest.objects.none()  # type: ignore[attr-defined]
    form.fields["end"].queryset = PointOfInterest.objects.none()  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tour = services.tour_create(
            actor=_user(request),
            neighbourhood=data["neighbourhood"],
            title_it=data["title_it"],
            title_en=data["title_en"],
            theme=data["theme"],
            languages=data["languages"],
            description_it=data["description_it"],
            description_en=data["description_en"],
        )
        return redirect("places:tour_detail", slug=tour.slug)
    return render(request, "places/tour_form.html", {"form": form, "tour": None})


@require_capability(Capability.EDIT_PLACES)
def tour_edit(request: HttpRequest, slug: str) -> HttpResponseBase:
    tour = get_object_or_404(Tour, slug=slug)
    form = TourForm(request.POST or None, instance=tour, transport=_transport_choices(tour))
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in form.Meta.fields}
        tour.refresh_from_db()
        services.tour_update(actor=_user(request), tour=tour, **fields)
        messages.success(request, _("Tour saved."))
        return redirect("places:tour_detail", slug=tour.slug)
    return render(request, "places/tour_form.html", {"form": form, "tour": tour})


def _tour_map_data(plan: selectors.TourPlan, tour: Tour) -> dict[str, Any]:
    return {
        "tiles": settings.MAP_TILE_URL,
        "neighbourhoods": [
            {
                "name": tour.neighbourhood.name_it,
                "geometry": tour.neighbourhood.geometry,
                "featured": True,
            }
        ],
        "pois": [
            {
                **_poi_json(row["point"].poi),
                "label": str(row["number"]) if row["point"].kind == "stop" else "",
            }
            for row in plan.rows()
        ],
        "route": [[lat, lon] for lon, lat in plan.path],
    }


@require_capability(Capability.VIEW_PLACES)
def tour_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tour = get_object_or_404(
        Tour.objects.select_related("neighbourhood", "start", "end"), slug=slug
    )
    plan = selectors.tour_plan(tour=tour)
    can_edit = user_can(request.user, Capability.EDIT_PLACES)
    candidates = (
        PointOfInterest.objects.filter(neighbourhood=tour.neighbourhood, lat__isnull=False)
        .exclude(category__in=["stop"])
        .order_by("name_it")
    )
    return render(
        request,
        "places/tour_detail.html",
        {
            "tour": tour,
            "plan": plan,
            "rows": plan.rows(),
            "can_edit": can_edit,
            "stop_count": sum(1 for p in plan.points if p.kind == "stop"),
            "add_form": StopAddForm(pois=candidates) if can_edit else None,
            "method_label": documents.method_label(plan),
            "map_data": _tour_map_data(plan, tour),
            "proposal": request.session.pop(f"tour-proposal-{tour.pk}", None),
        },
    )


@require_capability(Capability.EDIT_PLACES)
@require_POST
def tour_stop_add(request: HttpRequest, slug: str) -> HttpResponseBase:
    tour = get_object_or_404(Tour, slug=slug)
    form = StopAddForm(request.POST, pois=PointOfInterest.objects.filter(lat__isnull=False))
    if form.is_valid():
        try:
            services.tour_stop_add(
                actor=_user(request),
                tour=tour,
                poi=form.cleaned_data["poi"],
                text_it=form.cleaned_data["text_it"],
                text_en=form.cleaned_data["text_en"],
                minutes=form.cleaned_data["minutes"],
            )
            messages.success(request, _("Stop added."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("The stop was not added: choose a place with a location."))
    return redirect("places:tour_detail", slug=tour.slug)


def _stop(slug: str, stop_id: int) -> TourStop:
    return get_object_or_404(TourStop.objects.select_related("tour"), pk=stop_id, tour__slug=slug)


@require_capability(Capability.EDIT_PLACES)
@require_POST
def tour_stop_move(request: HttpRequest, slug: str, stop_id: int) -> HttpResponseBase:
    stop = _stop(slug, stop_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.tour_stop_move(actor=_user(request), stop=stop, offset=offset)
    messages.success(request, _("Stop moved: %(name)s.") % {"name": stop.poi.name_it})
    response = redirect("places:tour_detail", slug=slug)
    response["Location"] += f"#stop-{stop.pk}"
    return response


@require_capability(Capability.EDIT_PLACES)
def tour_stop_edit(request: HttpRequest, slug: str, stop_id: int) -> HttpResponseBase:
    stop = _stop(slug, stop_id)
    form = StopEditForm(
        request.POST or None,
        initial={"text_it": stop.text_it, "text_en": stop.text_en, "minutes": stop.minutes},
    )
    if request.method == "POST" and form.is_valid():
        services.tour_stop_update(actor=_user(request), stop=stop, **form.cleaned_data)
        return redirect("places:tour_detail", slug=slug)
    return render(request, "places/stop_form.html", {"form": form, "stop": stop})


@require_capability(Capability.EDIT_PLACES)
@require_POST
def tour_stop_remove(request: HttpRequest, slug: str, stop_id: int) -> HttpResponseBase:
    stop = _stop(slug, stop_id)
    services.tour_stop_remove(actor=_user(request), stop=stop)
    messages.success(request, _("Stop removed."))
    return redirect("places:tour_detail", slug=slug)


@require_capability(Capability.EDIT_PLACES)
@require_POST
def tour_optimise(request: HttpRequest, slug: str) -> HttpResponseBase:
    """First POST proposes the shortest order; a POST with ``order`` applies it."""
    tour = get_object_or_404(Tour, slug=slug)
    order = request.POST.get("order", "")
    if order:
        try:
            ids = [int(x) for x in order.split(",")]
            services.tour_reorder(actor=_user(request), tour=tour, stop_ids=ids)
            messages.success(request, _("The proposed order was applied."))
        except (ValueError, ValidationError):
            messages.error(request, _("The tour changed meanwhile: propose the order again."))
        return redirect("places:tour_detail", slug=slug)
    stops, current, proposed, ordering = selectors.tour_order_proposal(tour=tour)
    missing = [s.pk for s in selectors.tour_stops(tour=tour) if s.poi.needs_location]
    request.session[f"tour-proposal-{tour.pk}"] = {
        "names": [s.poi.name_it for s in stops],
        "order": ",".join(str(s.pk) for s in stops + list(tour.stops.filter(pk__in=missing))),
        "current_m": round(current),
        "proposed_m": round(proposed),
        "exact": ordering.exact,
    }
    return redirect("places:tour_detail", slug=slug)


@require_capability(Capability.VIEW_PLACES)
def tour_gpx(request: HttpRequest, slug: str) -> HttpResponse:
    tour = get_object_or_404(Tour, slug=slug)
    data = exports.tour_gpx(
        documents.tour_export(tour, language=_lang(), link=request.build_absolute_uri())
    )
    response = HttpResponse(data, content_type="application/gpx+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{tour.slug}.gpx"'
    return response


@require_capability(Capability.VIEW_PLACES)
def tour_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    tour = get_object_or_404(Tour, slug=slug)
    data = exports.tour_geojson_text(documents.tour_export(tour, language=_lang()))
    response = HttpResponse(data, content_type="application/geo+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{tour.slug}.geojson"'
    return response


@require_capability(Capability.VIEW_PLACES)
def tour_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    tour = get_object_or_404(Tour, slug=slug)
    pdf = documents.tour_sheet_pdf(tour, language=_lang())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{tour.slug}.pdf"'
    return response


# --- Playlists ----------------------------------------------------------------------------


@require_capability(Capability.VIEW_PLACES)
def playlist_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "places/playlist_list.html",
        {
            "playlists": selectors.playlist_list(),
            "can_edit": user_can(request.user, Capability.EDIT_PLACES),
        },
    )


@require_capability(Capability.EDIT_PLACES)
def playlist_create(request: HttpRequest) -> HttpResponseBase:
    form = PlaylistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        playlist = services.playlist_create(actor=_user(request), **form.cleaned_data)
        return redirect("places:playlist_detail", slug=playlist.slug)
    return render(request, "places/playlist_form.html", {"form": form, "playlist": None})


@require_capability(Capability.EDIT_PLACES)
def playlist_edit(request: HttpRequest, slug: str) -> HttpResponseBase:
    playlist = get_object_or_404(Playlist, slug=slug)
    form = PlaylistForm(request.POST or None, instance=playlist)
    form.fields.pop("neighbourhood")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        playlist.refresh_from_db()
        services.playlist_update(
            actor=_user(request), playlist=playlist, title=data["title"],
            description=data["description"], curator=data["curator"],
        )  # fmt: skip
        return redirect("places:playlist_detail", slug=slug)
    return render(request, "places/playlist_form.html", {"form": form, "playlist": playlist})


@require_capability(Capability.VIEW_PLACES)
def playlist_detail(request: HttpRequest, slug: str, form: TrackForm | None = None) -> HttpResponse:
    playlist = get_object_or_404(Playlist.objects.select_related("neighbourhood"), slug=slug)
    can_edit = user_can(request.user, Capability.EDIT_PLACES)
    return render(
        request,
        "places/playlist_detail.html",
        {
            "playlist": playlist,
            "tracks": playlist.tracks.order_by("position", "pk"),
            "can_edit": can_edit,
            "form": form or (TrackForm() if can_edit else None),
            "spotify_configured": spotify.configured(),
        },
        status=400 if form is not None else 200,
    )


@require_capability(Capability.EDIT_PLACES)
@require_POST
def track_add(request: HttpRequest, slug: str) -> HttpResponseBase:
    playlist = get_object_or_404(Playlist, slug=slug)
    form = TrackForm(request.POST)
    if form.is_valid():
        try:
            services.track_add(actor=_user(request), playlist=playlist, **form.cleaned_data)
            messages.success(request, _("Track added."))
            return redirect("places:playlist_detail", slug=slug)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
    return playlist_detail(request, slug, form=form)


def _track(slug: str, track_id: int) -> Track:
    return get_object_or_404(
        Track.objects.select_related("playlist"), pk=track_id, playlist__slug=slug
    )


@require_capability(Capability.EDIT_PLACES)
@require_POST
def track_move(request: HttpRequest, slug: str, track_id: int) -> HttpResponseBase:
    track = _track(slug, track_id)
    services.track_move(
        actor=_user(request), track=track, offset=-1 if request.POST.get("direction") == "up" else 1
    )
    return redirect("places:playlist_detail", slug=slug)


@require_capability(Capability.EDIT_PLACES)
@require_POST
def track_remove(request: HttpRequest, slug: str, track_id: int) -> HttpResponseBase:
    services.track_remove(actor=_user(request), track=_track(slug, track_id))
    messages.success(request, _("Track removed."))
    return redirect("places:playlist_detail", slug=slug)


@require_capability(Capability.EDIT_PLACES)
@require_POST
def playlist_push(request: HttpRequest, slug: str) -> HttpResponseBase:
    playlist = get_object_or_404(Playlist, slug=slug)
    try:
        result = spotify.playlist_push(playlist=playlist)
    except spotify.SpotifyError as exc:
        messages.error(request, str(exc))
        return redirect("places:playlist_detail", slug=slug)
    services.playlist_mark_pushed(actor=_user(request), playlist=playlist, url=result.url)
    messages.success(
        request,
        _("Pushed to Spotify: %(added)s tracks added, %(skipped)s without a Spotify match.")
        % {"added": result.added, "skipped": len(result.skipped)},
    )
    return redirect("places:playlist_detail", slug=slug)


_PLAYLIST_FORMATS = {
    "m3u8": ("audio/x-mpegurl; charset=utf-8", exports.playlist_m3u8),
    "xspf": ("application/xspf+xml; charset=utf-8", exports.playlist_xspf),
    "jspf": ("application/json; charset=utf-8", exports.playlist_jspf),
}


@require_capability(Capability.VIEW_PLACES)
def playlist_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in _PLAYLIST_FORMATS:
        raise Http404(fmt)
    playlist = get_object_or_404(Playlist, slug=slug)
    content_type, render_fn = _PLAYLIST_FORMATS[fmt]
    response = HttpResponse(
        render_fn(documents.playlist_export(playlist)), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{playlist.slug}.{fmt}"'
    return response
