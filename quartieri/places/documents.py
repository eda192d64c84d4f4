"""Building export documents for a tour or a playlist from the database rows."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from quartieri.lib.weasy import weasyprint_html
from quartieri.places import exports, selectors
from quartieri.places.importers import OSM_ATTRIBUTION
from quartieri.places.models import Playlist, Tour


def _lang(text_it: str, text_en: str, language: str) -> str:
    return (text_en or text_it) if language == "en" else (text_it or text_en)


def tour_attribution(plan: selectors.TourPlan) -> str:
    """The attribution of every dataset the tour uses (ODbL named whenever OSM data is used)."""
    parts = sorted({p.poi.attribution for p in plan.points if p.poi.attribution})
    if plan.method == selectors.METHOD_GRAPH and OSM_ATTRIBUTION not in parts:
        parts.append(OSM_ATTRIBUTION)
    return "; ".join(parts)


def method_label(plan: selectors.TourPlan) -> str:
    if plan.method == selectors.METHOD_GRAPH:
        return f"walking graph ({plan.graph_name})"
    return f"great-circle distance x {plan.detour_factor} detour factor (assumption)"


def tour_export(
    tour: Tour, *, language: str = "it", link: str = "", plan: selectors.TourPlan | None = None
) -> exports.ExportTour:
    plan = selectors.tour_plan(tour=tour) if plan is None else plan
    points = [
        exports.ExportPoint(
            name=_lang(p.poi.name_it, p.poi.name_en, language),
            lon=float(p.poi.lon or 0),
            lat=float(p.poi.lat or 0),
            description=_lang(p.stop.text_it, p.stop.text_en, language) if p.stop else "",
            kind=p.kind,
        )
        for p in plan.points
    ]
    return exports.ExportTour(
        title=_lang(tour.title_it, tour.title_en, language),
        description=_lang(tour.description_it, tour.description_en, language),
        points=points,
        path=plan.path,
        distance_m=plan.distance_m,
        minutes=plan.walking_minutes,
        distance_method=method_label(plan),
        attribution=tour_attribution(plan),
        link=link,
    )


def tour_sheet_pdf(
    tour: Tour, *, language: str = "it", base_url: str = "", compress: bool = True
) -> bytes:
    """A printable, tagged A4 tour sheet (WeasyPrint)."""
    HTML = weasyprint_html()  # noqa: N806 (the class, under its own name)

    plan = selectors.tour_plan(tour=tour)
    with translation.override(language):
        html = render_to_string(
            "places/tour_sheet.html",
            {
                "tour": tour,
                "title": _lang(tour.title_it, tour.title_en, language),
                "description": _lang(tour.description_it, tour.description_en, language),
                "rows": [
                    {
                        **row,
                        "name": _lang(row["point"].poi.name_it, row["point"].poi.name_en, language),
                        "text": _lang(
                            row["point"].stop.text_it, row["point"].stop.text_en, language
                        )
                        if row["point"].stop
                        else "",
                    }
                    for row in plan.rows()
                ],
                "plan": plan,
                "method": method_label(plan),
                "attribution": tour_attribution(plan),
                "language": language,
            },
        )
    document = HTML(string=html, base_url=base_url or ".")
    return bytes(document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=not compress))


def playlist_export(playlist: Playlist) -> exports.ExportPlaylist:
    return exports.ExportPlaylist(
        title=playlist.title,
        description=playlist.description,
        curator=playlist.curator,
        link=playlist.spotify_url,
        tracks=[
            exports.ExportTrack(
                title=t.title,
                artist=t.artist,
                duration_seconds=t.duration_seconds,
                links=tuple(t.links),
                annotation=t.note,
            )
            for t in playlist.tracks.order_by("position", "pk")
        ],
    )
