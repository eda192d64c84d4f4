"""Posters: print geometry, fonts, tags, the QR code's address, sizes, the photo check and
the staff's design page."""

from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from pypdf import PdfReader

from quartieri.accounts.models import AuditEvent
from quartieri.analytics.links import LinkError
from quartieri.analytics.tracking import Link
from quartieri.campaigns.models import ContentItem, MediaAsset
from quartieri.places.models import Neighbourhood
from quartieri.posters import services
from quartieri.posters.models import PosterDesign
from tests.minisites.conftest import jpeg

pytestmark = pytest.mark.django_db
MM = 72 / 25.4  # PDF points per millimetre


def box_mm(box) -> tuple[float, float]:
    return round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)


def structure(node, found: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """(structure type, alternative text) of every element under ``node``, in order."""
    node = node.get_object()
    if not hasattr(node, "get"):
        return found  # a marked-content id
    if "/S" in node:
        found.append((str(node["/S"]), str(node["/Alt"]) if "/Alt" in node else None))
    kids = node.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        structure(kid, found)
    return found


def assert_pdf_ua(pdf: bytes, *, language: str, title: str) -> list[tuple[str, str | None]]:
    """What PDF/UA-1 asks of the document and WeasyPrint gives; the figures found."""
    reader = PdfReader(BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == language
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata.title == title
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfuaid:part="1"' in xmp  # declares PDF/UA-1
    assert title.encode() in xmp
    tags = structure(root["/StructTreeRoot"], [])
    assert tags[0] == ("/Document", None)
    assert ("/H1", None) in tags
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    assert fonts
    for font in fonts:  # every font embedded: its descriptor carries the font file
        descendants = font.get("/DescendantFonts", [font])
        for item in descendants:
            descriptor = item.get_object()["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font
    return [tag for tag in tags if tag[0] == "/Figure"]


def test_an_a3_poster_is_ready_for_the_print_shop(campaign, tmp_path):
    ovest = Neighbourhood.objects.get(slug="testa-1-ovest")
    poster = services.poster_render(campaign=campaign, neighbourhood_id=ovest.pk, language="it")
    page = PdfReader(BytesIO(poster.pdf)).pages[0]
    assert box_mm(page.trimbox) == (297.0, 420.0)
    assert box_mm(page.mediabox) == box_mm(page.bleedbox) == (303.0, 426.0)  # 3 mm bleed each side
    # Fonts embedded, document tagged and in the chosen language.
    path = tmp_path / "poster.pdf"
    path.write_bytes(poster.pdf)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "Titillium" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Percorsi a piedi" in text
    assert "Giro di prova" in text
    assert "test data" in text  # the places' attribution
    # The QR code is vector and decodes to the poster's tracked short link, made once for
    # this poster and placement, leading to its mini-site with the print medium's UTM.
    link = Link.objects.get()
    expected = f"http://127.0.0.1:8000/l/{link.code}"
    assert poster.url == expected
    assert (link.target, link.channel, link.medium, link.placement) == (
        "http://127.0.0.1:8000/q/testa-1-ovest/it/", "posters", "print", "poster"
    )  # fmt: skip
    assert (link.neighbourhood.slug, link.campaign.slug) == ("testa-1-ovest", "prova-2021")
    assert expected in text  # printed under the code for who cannot scan it
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
    )
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert decoded.stdout.strip() == expected
    assert not list(page.images)  # the map layout uses no raster image: the QR stays vector
    # Tagged PDF/UA-1: structure, language, title shown, fonts embedded; the map and the QR
    # code are Figures with alternative text.
    figures = assert_pdf_ua(poster.pdf, language="it", title="Ovest · Prova 2021")
    assert figures == [
        ("/Figure", "Mappa di Ovest con i luoghi dei suoi percorsi"),
        ("/Figure", f"Codice QR: {expected}"),
    ]


def test_each_placement_has_its_own_link_and_the_same_one_again(campaign):
    ovest = Neighbourhood.objects.get(slug="testa-1-ovest")
    first = services.poster_link(campaign=campaign, neighbourhood=ovest)
    tram = services.poster_link(campaign=campaign, neighbourhood=ovest, placement="tram-12")
    assert first != tram
    assert services.poster_link(campaign=campaign, neighbourhood=ovest) == first
    assert sorted(Link.objects.values_list("placement", flat=True)) == ["poster", "tram-12"]


def test_a_site_address_outside_the_allowed_destinations_is_refused_naming_it(campaign, settings):
    ovest = Neighbourhood.objects.get(slug="testa-1-ovest")
    settings.SITES_BASE_URL = "https://altrove.example.org/q"
    with pytest.raises(LinkError, match="'altrove.example.org' is not one of the allowed"):
        services.poster_link(campaign=campaign, neighbourhood=ovest)
    assert not Link.objects.exists()
    settings.ANALYTICS_SITE_ORIGINS = ["https://altrove.example.org"]
    assert services.poster_link(campaign=campaign, neighbourhood=ovest).startswith(
        "http://127.0.0.1:8000/l/"
    )


@pytest.mark.parametrize(
    ("value", "label", "mm"),
    [("A2", "A2", (420, 594)), ("a4", "A4", (210, 297)), ("70x100", "70x100", (700, 1000))],
)
def test_sizes(value, label, mm):
    assert services.parse_size(value) == (label, mm)


@pytest.mark.parametrize("value", ["B5", "70x", "5x5", "700x1000", ""])
def test_a_bad_size_is_named(value):
    with pytest.raises(ValidationError, match="is not a poster size"):
        services.parse_size(value)


def small_photo(campaign) -> MediaAsset:
    item = ContentItem.objects.get(title="Ovest")
    asset = MediaAsset(content_item=item, kind="image", alt_text="Piazza", width=800, height=600,
                       mime_type="image/jpeg", size_bytes=1)  # fmt: skip
    asset.file.save("piazza.jpg", ContentFile(jpeg(800, 600)), save=True)
    return asset


def test_a_photo_under_300_dpi_is_flagged_and_still_printed(campaign, editor):
    ovest = Neighbourhood.objects.get(slug="testa-1-ovest")
    photo = small_photo(campaign)
    services.design_update(
        actor=editor, campaign=campaign, neighbourhood=ovest, layout="photo", size="A4", photo=photo
    )
    poster = services.poster_render(campaign=campaign, neighbourhood_id=ovest.pk, language="en")
    assert poster.warnings == [
        "The photo is 94 dpi at this size (800 px across 216 mm); print needs 300 dpi: choose a "
        "larger photo or a smaller size."
    ]
    page = PdfReader(BytesIO(poster.pdf)).pages[0]
    assert box_mm(page.trimbox) == (210.0, 297.0)
    assert len(list(page.images)) == 1
    figures = assert_pdf_ua(poster.pdf, language="en", title="West · Prova 2021")
    assert figures == [("/Figure", photo.alt_text), ("/Figure", f"QR code: {poster.url}")]


def test_an_analyst_sees_the_design_but_cannot_change_it(campaign, client_for, analyst):
    reader = client_for(analyst)
    assert reader.get("/posters/prova-2021/testa-1-ovest/").status_code == 200
    response = reader.post("/posters/prova-2021/testa-1-ovest/", {"layout": "map", "size": "A2"})
    assert response.status_code == 403
    assert not PosterDesign.objects.exists()
    assert not AuditEvent.objects.filter(action="poster.design_update").exists()


def test_an_editor_chooses_layout_size_and_photo(campaign, client_for, editor):
    photo = small_photo(campaign)
    staff = client_for(editor)
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = staff.post("/posters/prova-2021/testa-1-ovest/", {"layout": "photo", "size": "A9"})
    assert "is not a poster size" in refused.content.decode()
    assert not PosterDesign.objects.exists()
    saved = staff.post(
        "/posters/prova-2021/testa-1-ovest/", {"layout": "photo", "size": "a2", "photo": photo.pk}
    )
    assert saved.status_code == 302
    design = PosterDesign.objects.get()
    assert (design.layout, design.size, design.photo, design.updated_by) == (
        "photo",
        "A2",
        photo,
        editor,
    )
    assert AuditEvent.objects.filter(action="poster.design_update", actor=editor).count() == 1
    preview = staff.get("/posters/prova-2021/testa-1-ovest/preview-it.png")
    assert preview["Content-Type"] == "image/png"
    assert preview.content.startswith(b"\x89PNG")
    assert staff.get("/posters/prova-2021/testa-1-ovest/poster-de.pdf").status_code == 404
