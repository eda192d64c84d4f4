"""Tracked links: which targets are allowed, link_for (contract 3), UTM, the command."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quartieri.accounts.models import AuditEvent
from quartieri.analytics.links import (
    LinkError,
    link_delete,
    link_for,
    redirect_url,
    target_clean,
)
from quartieri.analytics.tracking import Link
from quartieri.campaigns.models import Campaign
from quartieri.places.models import Neighbourhood

pytestmark = pytest.mark.django_db


@pytest.fixture
def isola(db: None) -> Neighbourhood:
    return Neighbourhood.objects.create(
        code="11",
        slug="isola",
        name_it="Isola",
        geometry={},
        centroid_lat=45.49,
        centroid_lon=9.19,
        area_m2=1.0,
    )


@pytest.fixture
def campaign(db: None) -> Campaign:
    return Campaign.objects.create(
        name="Quartieri 2021",
        slug="quartieri-2021",
        start_date=dt.date(2021, 5, 3),
        end_date=dt.date(2021, 9, 30),
    )


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("//evil.example/x", "no scheme"),
        ("https:evil.example", "no host"),
        ("https:/evil.example", "no host"),
        ("https:///evil.example", "no host"),
        ("javascript:alert(1)", "neither a path"),
        ("ftp://yesmilano.it/file", "neither a path"),
        ("%2F%2Fevil.example", "neither a path"),
        ("https://evil.example/", "not one of the allowed"),
        ("https://yesmilano.it.evil.example/", "not one of the allowed"),
        ("https://evilyesmilano.it/", "not one of the allowed"),
        ("https://yesmilano.it@evil.example/", "user name"),
        ("https://yesmilano.it%2F@evil.example/", "user name"),
        ("https://evil.example%2Eyesmilano.it/", "plain host name"),
        ("https://evil.example\\@yesmilano.it/", "backslashes"),
        ("https://yesmilano.it/\r\nLocation: https://evil.example", "control characters"),
        ("http://127.0.0.1:9999/", "not one of the allowed"),
        ("https://xn--80ak6aa92e.com/", "not one of the allowed"),
        ("", "empty"),
    ],
)
def test_open_redirect_targets_are_refused_with_the_reason(
    measure_settings: Any, target: str, why: str
) -> None:
    with pytest.raises(LinkError, match=why):
        target_clean(target)


@pytest.mark.parametrize(
    ("target", "clean"),
    [
        ("/q/isola/en/", "http://127.0.0.1:8000/q/isola/en/"),
        ("/%2F%2Fevil.example", "http://127.0.0.1:8000/%2F%2Fevil.example"),
        ("https://www.yesmilano.it/quartieri", "https://www.yesmilano.it/quartieri"),
        ("HTTPS://YesMilano.IT", "https://yesmilano.it/"),
        ("https://quartieri.example.org/isola/it/", "https://quartieri.example.org/isola/it/"),
        ("https://www.comune.milano.it/è", "https://www.comune.milano.it/%C3%A8"),
    ],
)
def test_own_sites_and_allowed_domains_are_accepted(
    measure_settings: Any, target: str, clean: str
) -> None:
    assert target_clean(target) == clean


def test_link_for_returns_one_absolute_url_per_set_of_arguments(
    measure_settings: Any, isola: Neighbourhood, campaign: Campaign
) -> None:
    arguments: dict[str, Any] = {
        "target": "/q/isola/en/",
        "channel": "posters",
        "neighbourhood": "isola",
        "campaign": "quartieri-2021",
        "placement": "Piazza Minniti, bus shelter 3",
    }
    first = link_for(**arguments)
    assert link_for(**arguments) == first
    assert first.startswith("http://127.0.0.1:8000/l/")
    assert Link.objects.count() == 1
    other = link_for(**(arguments | {"placement": "Via Borsieri 12"}))
    assert other != first
    assert Link.objects.count() == 2


def test_a_link_redirects_with_utm_parameters_and_keeps_the_targets_own(
    measure_settings: Any, isola: Neighbourhood, campaign: Campaign
) -> None:
    url = link_for(
        target="https://www.yesmilano.it/isola?lang=en&utm_source=mayor#map",
        channel="posters",
        neighbourhood="isola",
        campaign="quartieri-2021",
    )
    link = Link.objects.get(code=url.rsplit("/", 1)[1])
    location = urlsplit(redirect_url(link))
    query = parse_qs(location.query)
    assert query == {
        "lang": ["en"],
        "utm_source": ["mayor"],  # set on purpose in the target: kept
        "utm_medium": ["print"],
        "utm_campaign": ["quartieri-2021"],
    }
    assert location.fragment == "map"
    assert link.medium == "print"
    assert link.is_scan


def test_unknown_neighbourhood_or_campaign_is_named(measure_settings: Any) -> None:
    with pytest.raises(LinkError, match="no neighbourhood has the slug 'atlantide'"):
        link_for(target="/q/", channel="posters", neighbourhood="atlantide")
    with pytest.raises(LinkError, match="no campaign has the slug 'nessuna'"):
        link_for(target="/q/", channel="posters", campaign="nessuna")
    assert not Link.objects.exists()


def test_a_deleted_link_is_never_handed_out_again(measure_settings: Any, approver: Any) -> None:
    first = link_for(target="/q/", channel="newsletter")
    link = Link.objects.get(code=first.rsplit("/", 1)[1])
    link_delete(actor=approver, link=link)
    second = link_for(target="/q/", channel="newsletter")
    assert second != first
    audit = AuditEvent.objects.get(action="link.delete")
    assert audit.actor == approver
    assert audit.target_id == str(link.pk)


def run(*args: str) -> str:
    out = StringIO()
    call_command("links", *args, stdout=out)
    return out.getvalue()


def test_command_creates_and_prints_json(measure_settings: Any, isola: Neighbourhood) -> None:
    printed = json.loads(
        run(
            "create",
            "--target",
            "/q/isola/it/",
            "--channel",
            "screens",
            "--neighbourhood",
            "isola",
            "--format",
            "json",
        )
    )
    link = Link.objects.get()
    assert printed == {
        "code": link.code,
        "url": f"http://127.0.0.1:8000/l/{link.code}",
        "target": "http://127.0.0.1:8000/q/isola/it/",
    }
    again = json.loads(
        run("create", "--target", "/q/isola/it/", "--channel", "screens", "--neighbourhood",
            "isola", "--format", "json")
    )  # fmt: skip
    assert again == printed


def test_command_refuses_a_foreign_target_with_one_line_and_status_2(
    measure_settings: Any,
) -> None:
    with pytest.raises(CommandError, match="target refused: .*evil.example") as raised:
        run("create", "--target", "https://evil.example/", "--format", "json")
    assert raised.value.returncode == 2
    assert not Link.objects.exists()


def test_the_qr_codes_read_back_as_the_short_link(measure_settings: Any, tmp_path: Any) -> None:
    import subprocess

    from quartieri.analytics.qr import qr_code

    url = link_for(target="/q/", channel="posters")
    png = tmp_path / "qr.png"
    png.write_bytes(qr_code(url=url, kind="png"))
    read = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True)
    assert read.stdout.strip() == url
    assert qr_code(url=url, kind="pdf").startswith(b"%PDF")
    svg = qr_code(url=url, kind="svg").decode()
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg
    assert "<image" not in svg
