"""The website channel around the pages: the subscribe form and consent (contract 1), the
page-view beacon (contract 2), feeds, sitemap, /q/ serving, staff pages and the command."""

from __future__ import annotations

import gzip
import json
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client

from quartieri.lib.commands import UsageError
from quartieri.minisites.build import site_build
from quartieri.minisites.models import SiteBuild
from tests.minisites.conftest import posters_printed

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_subscribe_form_follows_the_newsletter_contract(campaign, settings, tmp_path):
    settings.ROOT_URLCONF = "tests.minisites.urls_newsletter"
    site_build(campaign=campaign, out_dir=tmp_path)
    page = (tmp_path / "testa-1-ovest/en/subscribe/index.html").read_text()
    assert f'<form method="post" action="{settings.PUBLIC_URL}/newsletter/subscribe/"' in page
    for field in ('name="email"', 'name="list" value="daily"', 'name="language" value="en"',
                  'name="interests" value="testa-1-ovest"', 'name="consent" value="yes" required',
                  'name="consent_version" value="daily-en-3"', 'name="website"',
                  'name="source" value="minisite:testa-1-ovest:en"'):  # fmt: skip
        assert field in page, field
    assert "I agree to receive the daily newsletter." in page
    assert "csrfmiddlewaretoken" not in page


def test_without_the_consent_wording_the_page_links_to_the_platform_form(campaign, tmp_path):
    site_build(campaign=campaign, out_dir=tmp_path)  # no newsletter app answers here
    page = (tmp_path / "testa-1-ovest/it/subscribe/index.html").read_text()
    assert "<form" not in page
    assert 'href="http://127.0.0.1:8000/newsletter/subscribe/"' in page


def test_each_page_carries_the_beacon_script_with_its_site_and_language(
    campaign, settings, tmp_path
):
    site_build(campaign=campaign, out_dir=tmp_path)
    page = (tmp_path / "testa-1-ovest/it/events/index.html").read_text()
    assert (
        '<script src="../../../assets/pv.js" data-endpoint="http://127.0.0.1:8000/a/pv" '
        'data-site="testa-1-ovest" data-lang="it" defer></script>'
    ) in page
    script = (tmp_path / "assets/pv.js").read_bytes()
    assert len(script) < 1024
    for needed in (b'doNotTrack === "1"', b"globalPrivacyControl === true", b"sendBeacon(d.endpoint",
                   b"u: location.href", b"r: document.referrer", b"s: d.site", b"l: d.lang"):  # fmt: skip
        assert needed in script
    assert "pv.js" not in (tmp_path / "testa-1-ovest/it/widget/index.html").read_text()
    settings.SITES_BEACON = False
    site_build(campaign=campaign, out_dir=tmp_path / "quiet")
    assert "pv.js" not in (tmp_path / "quiet/testa-1-ovest/it/events/index.html").read_text()


def test_feeds_sitemap_and_robots(campaign, tmp_path):
    site_build(campaign=campaign, out_dir=tmp_path, base_url="https://siti.example.org/q")
    atom = ET.fromstring((tmp_path / "testa-1-ovest/feed.atom").read_bytes())  # noqa: S314 - our own output
    entries = atom.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}summary") for e in entries] == ["Il sito di Ovest è online."]
    assert entries[0].findtext(f"{ATOM}published") == "2021-05-01T09:00:00Z"
    assert (
        atom.find(f"{ATOM}link[@rel='self']").get("href")
        == "https://siti.example.org/q/testa-1-ovest/feed.atom"
    )
    campaign_feed = json.loads((tmp_path / "feeds/prova-2021.json").read_text())
    assert campaign_feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["content_text"] for i in campaign_feed["items"]] == ["Il sito di Ovest è online."]
    sitemap = ET.fromstring((tmp_path / "sitemap.xml").read_bytes())  # noqa: S314 - our own output
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://siti.example.org/q/testa-1-ovest/en/tours/giro-di-prova/" in locs
    assert not any("widget" in loc for loc in locs)
    assert (
        (tmp_path / "robots.txt")
        .read_text()
        .endswith("Sitemap: https://siti.example.org/q/sitemap.xml\n")
    )


def test_the_widget_is_a_script_free_page_other_sites_may_frame(campaign, settings):
    site_build(campaign=campaign)
    client = Client()
    widget = client.get("/q/testa-1-ovest/it/widget/")
    assert widget.status_code == 200
    assert b"<script" not in b"".join(widget.streaming_content)
    assert "X-Frame-Options" not in widget
    assert "frame-ancestors *" in widget["Content-Security-Policy"]
    page = client.get("/q/testa-1-ovest/it/")
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_q_serves_the_live_sites_to_anyone_and_nothing_else(campaign):
    posters_printed()
    site_build(campaign=campaign)
    client = Client()
    home = client.get("/q/testa-1-ovest/en/", HTTP_ACCEPT_ENCODING="gzip")
    assert home.status_code == 200
    assert home["Content-Encoding"] == "gzip"
    assert b"<h1>West</h1>" in gzip.decompress(home.content)
    assert client.get("/q/testa-1-ovest/en").status_code == 302  # relative links need the slash
    assert client.get("/q/testa-1-ovest/it/poster/poster.pdf")["Content-Type"] == "application/pdf"
    for path in (
        "/q/testa-2-est/it/",
        "/q/../secret_key",
        "/q/%2e%2e/secret_key",
        "/q/nothing/",
        "/q/.manifest.json.tmp",
    ):
        assert client.get(path).status_code == 404, path


def test_the_preview_shows_unreleased_sites_to_staff_only(campaign, client_for, analyst):
    assert Client().get("/sites/prova-2021/preview/testa-2-est/it/").status_code == 302
    reader = client_for(analyst)
    reader.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    # Not built yet: back to the sites page, which says how to build it (not a 404).
    response = reader.get("/sites/prova-2021/preview/testa-2-est/it/", follow=True)
    assert response.redirect_chain == [("/sites/?campaign=prova-2021", 302)]
    assert "No preview is built yet" in response.text


def test_an_analyst_cannot_build_and_nothing_is_built(campaign, client_for, analyst):
    response = client_for(analyst).post("/sites/prova-2021/build/", {"preview": "1"})
    assert response.status_code == 403
    assert not SiteBuild.objects.exists()


def test_an_editor_builds_the_preview_and_sees_every_site(campaign, client_for, editor):
    staff = client_for(editor)
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = staff.post("/sites/prova-2021/build/", {"preview": "1"})
    assert response.status_code == 302
    assert SiteBuild.objects.get().built_by == editor
    page = staff.get("/sites/prova-2021/preview/testa-2-est/it/")
    assert page.status_code == 200
    listing = staff.get("/sites/?campaign=prova-2021")
    assert b"testa-1-ovest" in listing.content
    assert b"not yet: no approved website post" in listing.content


def test_the_command_reports_json_and_refuses_an_unknown_campaign(campaign, tmp_path, capsys):
    call_command(
        "sites", "--format", "json", "build", "--campaign", "prova-2021", "--out", str(tmp_path)
    )
    report = json.loads(capsys.readouterr().out)
    assert report["sites"] == ["testa-1-ovest"]
    assert report["pages_written"] > 50
    assert set(report) >= {"pages_written", "pages_unchanged", "seconds", "manifest"}
    with pytest.raises(UsageError, match="^--campaign nope: no campaign has that slug$") as refused:
        call_command("sites", "build", "--campaign", "nope")
    assert refused.value.returncode == 2
