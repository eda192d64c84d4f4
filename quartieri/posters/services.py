"""Rendering a neighbourhood's poster with WeasyPrint, and the staff's design choices.

CSS paged media does the print work: ``@page { size; bleed: 3mm; marks: crop cross }``
gives a TrimBox of the exact trim size inside a 3 mm larger BleedBox and MediaBox, with
crop marks in the bleed; the background is painted on the page box so that it bleeds and
leaves the marks visible (toolbox.md). The QR code is segno's SVG, so it stays vector.
Fonts (Titillium Web, Bootstrap Italia's own files) are embedded by WeasyPrint. The PDF is
tagged (PDF/UA-1). A photo printed under 300 dpi at the chosen size is flagged, not refused.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.analytics.links import link_for
from quartieri.campaigns.models import Campaign, MediaAsset, Variant
from quartieri.channels.registry import Platform
from quartieri.lib import svgmap
from quartieri.lib.weasy import weasyprint_html
from quartieri.places.models import Neighbourhood, Tour
from quartieri.posters.models import Layout, PosterDesign, PrintFailure

# Trim sizes in millimetres (width, height), portrait. Anything else: "WxH" in centimetres
# as print shops write them (70x100 is 700 x 1000 mm).
SIZES = {
    "A4": (210, 297),
    "A3": (297, 420),
    "A2": (420, 594),
    "A1": (594, 841),
    "A0": (841, 1189),
}
BLEED_MM = 3
MIN_DPI = 300
FONTS = settings.BOOTSTRAP_ITALIA_STATIC / "fonts" / "Titillium_Web"
# The placement of a poster offered on its mini-site and sent to the print shop; a print
# run for one place (``posters build --placement tram-12``) gets a link of its own.
PLACEMENT = "poster"
LANGUAGES = ("it", "en")


def parse_size(value: str) -> tuple[str, tuple[int, int]]:
    """("A3", (297, 420)) or ("70x100", (700, 1000)); ValidationError naming the value."""
    label = value.strip().upper().replace("×", "X")
    if label in SIZES:
        return label, SIZES[label]
    match = re.fullmatch(r"(\d{1,3})X(\d{1,3})", label)
    if match and 10 <= int(match.group(1)) <= 300 and 10 <= int(match.group(2)) <= 300:
        return label.lower(), (int(match.group(1)) * 10, int(match.group(2)) * 10)
    names = ", ".join(SIZES)
    raise ValidationError(
        _(
            "%(value)s is not a poster size: use %(names)s or WIDTHxHEIGHT in centimetres, e.g. 70x100."
        )
        % {"value": value, "names": names}
    )


@dataclass
class Poster:
    pdf: bytes
    size_label: str
    trim_mm: tuple[int, int]
    url: str  # what the QR code says
    warnings: list[str] = field(default_factory=list)


def _qr_svg(url: str, *, title: str) -> str:
    qr = segno.make(url, error="m")
    # Without the XML declaration: the SVG is placed inline in the poster's HTML. Its
    # <title> is what WeasyPrint gives the tagged PDF's Figure as alternative text.
    svg: str = qr.svg_inline(scale=10, border=4, dark="#000", light="#fff", title=title)
    return svg


def _photo_warning(asset: MediaAsset, width_mm: float) -> str:
    dpi = round((asset.width or 0) / (width_mm / 25.4))
    if dpi >= MIN_DPI:
        return ""
    return _(
        "The photo is %(dpi)s dpi at this size (%(width)s px across %(mm)s mm); print needs "
        "%(min)s dpi: choose a larger photo or a smaller size."
    ) % {"dpi": dpi, "width": asset.width, "mm": round(width_mm), "min": MIN_DPI}


def _places(
    neighbourhood: Neighbourhood,
) -> tuple[list[tuple[str, str]], list[tuple[str, float, float]]]:
    """(Italian, English) tour titles and the tours' places, for the poster's map."""
    tours = list(
        Tour.objects.filter(neighbourhood=neighbourhood)
        .prefetch_related("stops__poi")
        .order_by("slug")
    )
    points = {
        (s.poi.lon, s.poi.lat)
        for t in tours
        for s in t.stops.all()
        if s.poi.lon is not None and s.poi.lat is not None
    }
    return [(t.title_it, t.title_en) for t in tours], sorted(("", x, y) for x, y in points)


def _attributions(neighbourhood: Neighbourhood) -> list[str]:
    rows = (
        neighbourhood.pois.filter(tour_stops__isnull=False)
        .order_by()
        .values_list("attribution", flat=True)
        .distinct()
    )
    found = {row for row in rows if row}
    if neighbourhood.source:
        found.add(f"{neighbourhood.source} ({neighbourhood.get_licence_display()})")
    return sorted(found)


def _metrics(width: int, height: int, *, photo: bool) -> dict[str, str]:
    """Positions and type sizes in mm and pt, scaled from an A3 design to the trim width."""
    k = width / SIZES["A3"][0]
    margin = 18 * k
    map_width = width - 2 * margin
    map_top = 80 * k
    photo_height = height * 0.45
    m = {
        "margin": margin,
        "gap": 4 * k,
        "small": 16 * k,
        "title": 80 * k,
        "heading": 26 * k,
        "body": 20 * k,
        "tiny": max(8 * k, 6),
        "map_top": map_top,
        "map_width": map_width,
        "qr": 70 * k,
        "qr_bottom": margin + 16 * k,
        "call_right": margin + 78 * k,
        "photo_width": width + 2 * BLEED_MM,
        "photo_height": photo_height + BLEED_MM,
        "photo_bottom": photo_height + 8 * k,
    }
    below = photo_height + 58 * k if photo else map_top + map_width * 420 / 640 + 8 * k
    m["tours_top"] = below
    # Strings: the template must not localise "18.0" into "18,0", which CSS refuses.
    return {key: f"{value:.2f}" for key, value in m.items()}


def site_url(*, base_url: str, neighbourhood: str, language: str) -> str:
    """A mini-site's home address (contract 5: <neighbourhood-slug>/<lang>/)."""
    return f"{base_url.rstrip('/')}/{neighbourhood}/{language}/"


def poster_link(
    *,
    campaign: Campaign,
    neighbourhood: Neighbourhood,
    language: str = "it",
    placement: str = PLACEMENT,
    base_url: str | None = None,
) -> str:
    """The tracked short link the poster's QR code carries, to its mini-site's home in its
    language (``analytics.links.link_for``, one per placement). ``LinkError`` names why it
    cannot be made: a site served from an address outside the allowed destinations
    (``QUARTIERI_ANALYTICS_SITE_ORIGINS``) or an unknown slug."""
    target = site_url(
        base_url=base_url or settings.SITES_BASE_URL,
        neighbourhood=neighbourhood.slug,
        language=language,
    )
    return link_for(
        target=target,
        channel=Platform.POSTERS.value,
        neighbourhood=neighbourhood.slug,
        campaign=campaign.slug,
        placement=placement or PLACEMENT,
    )


def poster_context(
    *,
    campaign: Campaign,
    neighbourhood: Neighbourhood,
    language: str,
    design: PosterDesign,
    url: str,
) -> dict[str, Any]:
    """What the poster's template draws; ``url`` is its QR code's link (``poster_link``)."""
    label, (width, height) = parse_size(design.size)
    titles, places = _places(neighbourhood)
    photo = design.photo if design.layout == Layout.PHOTO else None
    tours = [(en or it) if language == "en" else (it or en) for it, en in titles]
    return {
        "language": language,
        "name": (neighbourhood.name_en or neighbourhood.name_it)
        if language == "en"
        else neighbourhood.name_it,
        "campaign": campaign.name,
        "tours": tours,
        "width": width,
        "height": height,
        "bleed": BLEED_MM,
        "label": label,
        "url": url,
        "short_url": url,
        "qr": _qr_svg(url, title=_("QR code: %(url)s") % {"url": url}),
        "map": svgmap.neighbourhood_map(geometry=neighbourhood.geometry, places=places),
        "attributions": _attributions(neighbourhood),
        "layout": design.layout,
        "photo": photo,
        "m": _metrics(width, height, photo=photo is not None),
        "fonts": FONTS.as_uri(),
    }


def design_for(*, campaign: Campaign, neighbourhood: Neighbourhood) -> PosterDesign:
    """The saved design, or the default one (map layout, A3) unsaved."""
    found = (
        PosterDesign.objects.filter(campaign=campaign, neighbourhood=neighbourhood)
        .select_related("photo")
        .first()
    )
    return found or PosterDesign(campaign=campaign, neighbourhood=neighbourhood)


def design_keys(*, campaign: Campaign) -> dict[int, str]:
    """{neighbourhood id: what its poster depends on besides the places}, in one query."""
    rows = PosterDesign.objects.filter(campaign=campaign).values_list(
        "neighbourhood_id", "layout", "photo_id", "size", "updated_at"
    )
    return {row[0]: repr(row[1:]) for row in rows}


def poster_render(
    *,
    campaign: Campaign,
    neighbourhood_id: int,
    language: str,
    size: str | None = None,
    design: PosterDesign | None = None,
    base_url: str | None = None,
    placement: str = PLACEMENT,
) -> Poster:
    """The poster as a print-ready, tagged PDF; the same input gives the same bytes.
    ``LinkError`` when its QR code's link cannot be made (``poster_link``)."""
    HTML = weasyprint_html()  # noqa: N806 (the class, under its own name)

    neighbourhood = Neighbourhood.objects.get(pk=neighbourhood_id)
    design = design or design_for(campaign=campaign, neighbourhood=neighbourhood)
    if size:
        design.size = size
    # The link before the poster's language: a LinkError reads in the caller's language
    # (it is recorded for staff: ``print_failure_record``).
    url = poster_link(
        campaign=campaign,
        neighbourhood=neighbourhood,
        language=language,
        placement=placement,
        base_url=base_url,
    )
    with translation.override(language):
        context = poster_context(
            campaign=campaign,
            neighbourhood=neighbourhood,
            language=language,
            design=design,
            url=url,
        )
        html = render_to_string("posters/poster.html", context)
        warnings = []
        photo = context["photo"]
        if photo is not None:
            warnings.append(_photo_warning(photo, context["width"] + 2 * BLEED_MM))
    base = Path(settings.MEDIA_ROOT).as_uri() + "/"
    pdf = HTML(string=html, base_url=base).write_pdf(pdf_variant="pdf/ua-1")
    return Poster(
        pdf=bytes(pdf),
        size_label=context["label"],
        trim_mm=(context["width"], context["height"]),
        url=context["url"],
        warnings=[w for w in warnings if w],
    )


@dataclass(frozen=True)
class Printed:
    """A poster a release has just printed: its variant and the posters by language."""

    variant_id: int
    neighbourhood_id: int
    posters: dict[str, Poster]


def print_root(*, campaign: Campaign) -> Path:
    """The folder the print shop takes a campaign's released posters from."""
    return Path(settings.BUILD_ROOT) / "print" / campaign.slug


def poster_print(*, campaign: Campaign, neighbourhood: Neighbourhood) -> dict[str, Poster]:
    """Release a poster to the print shop: its print-ready PDFs, one per language at its
    design's size, written to the campaign's print folder (replaced whole, never seen
    half-written). The same input writes the same bytes, so a repeated release is harmless.
    Returns the posters by language, so that the release's site build offers these very
    files rather than rendering them again."""
    folder = print_root(campaign=campaign)
    folder.mkdir(parents=True, exist_ok=True)
    posters = {
        language: poster_render(
            campaign=campaign, neighbourhood_id=neighbourhood.pk, language=language
        )
        for language in LANGUAGES
    }  # all rendered before any is written: a failing one leaves no half-released set
    for language, poster in posters.items():
        path = folder / f"{neighbourhood.slug}-{language}-{poster.size_label}.pdf"
        partial = path.with_name(f".{path.name}.tmp")
        partial.write_bytes(poster.pdf)
        partial.replace(path)
    return posters


# A poster that cannot be printed is tried again this long after its 1st, 2nd… failure, then
# no more. Why bounded and spaced: what makes a render fail is either outside the content (a
# full disk, a setting such as the allowed site origins) and fixed by someone within hours,
# or in the content (a design WeasyPrint cannot draw), which no retry fixes; trying every
# minute for ever only repeated the error. After the last try the post waits, listed in
# "Da fare", until staff try again (poster page), change the design or move the post.
RETRY_AFTER = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=4),
)


def print_failure_record(*, variant: Variant, error: str, now: dt.datetime) -> PrintFailure:
    """Note that the variant's poster could not be printed, and when to try again."""
    failure, _created = PrintFailure.objects.get_or_create(
        variant=variant, defaults={"error": error, "failed_at": now}
    )
    failure.attempts += 1
    failure.error, failure.failed_at = error, now
    waits = RETRY_AFTER[failure.attempts - 1 : failure.attempts]
    failure.retry_at = now + waits[0] if waits else None
    failure.save()
    return failure


def print_failures_clear(*, variants: QuerySet[Variant] | list[int]) -> int:
    """Forget these variants' failures: the next release tries them at once."""
    deleted, _by_model = PrintFailure.objects.filter(variant__in=variants).delete()
    return deleted


def poster_png(pdf: bytes, *, dpi: int = 30) -> bytes:
    """A small PNG preview of the poster's page (pdftoppm, from poppler-utils)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "poster.pdf"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [  # noqa: S607 - Debian's poppler-utils on the PATH
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-singlefile",
                str(source),
                str(source.with_suffix("")),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return source.with_suffix(".png").read_bytes()


@transaction.atomic
def design_update(
    *,
    actor: User,
    campaign: Campaign,
    neighbourhood: Neighbourhood,
    layout: str,
    size: str,
    photo: MediaAsset | None,
) -> PosterDesign:
    """Save the staff's choice; the photo must be one of this campaign's images."""
    label, _mm = parse_size(size)
    if layout not in Layout.values:
        raise ValidationError({"layout": [_("%(value)s is not a layout.") % {"value": layout}]})
    if photo is not None and (
        photo.kind != MediaAsset.Kind.IMAGE or photo.content_item.campaign_id != campaign.pk
    ):
        raise ValidationError({"photo": [_("Choose one of this campaign's images.")]})
    if layout == Layout.PHOTO and photo is None:
        raise ValidationError({"photo": [_("The photo layout needs a photo.")]})
    design, _created = PosterDesign.objects.select_for_update().get_or_create(
        campaign=campaign, neighbourhood=neighbourhood
    )
    before = audit_snapshot(obj=design)
    design.layout, design.size, design.photo, design.updated_by = layout, label, photo, actor
    design.save()
    # The poster changed: a post whose poster could not be printed is worth trying at once.
    print_failures_clear(
        variants=Variant.objects.filter(
            content_item__campaign=campaign, content_item__neighbourhood=neighbourhood
        )
    )
    audit_record(
        actor=actor,
        action="poster.design_update",
        target=design,
        before=before,
        after=audit_snapshot(obj=design),
    )
    return design
