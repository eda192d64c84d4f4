"""After traffic through both endpoints, no table holds an IP address or a user agent."""

from __future__ import annotations

from typing import Any

import pytest

from quartieri.analytics.links import link_for
from tests.analytics.conftest import SITE, call
from tests.privacy import assert_no_trace, suspect_columns, traces_of

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.73"
FORWARDED = "192.0.2.201"
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A) AppleWebKit/537.36 PrivacyProbe/9.9 Mobile"
)


def test_no_table_keeps_an_address_or_a_user_agent(
    edge: Any, buffer: Any, measure_settings: Any
) -> None:
    measure_settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    code = link_for(target="/q/isola/en/", channel="posters").rsplit("/", 1)[1]
    headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": f"10.0.0.1, {FORWARDED}"}
    for _ in range(3):
        assert call(edge, f"/l/{code}", headers=headers, address=ADDRESS).status_code == 302
        body = b'{"u": "' + SITE.encode() + b'/isola/en/", "r": "", "s": "isola", "l": "en"}'
        answer = call(
            edge,
            "/a/pv",
            method="POST",
            headers=headers | {"Origin": SITE, "Content-Type": "text/plain"},
            body=body,
            address=ADDRESS,
        )
        assert answer.status_code == 204
    buffer.drain()
    assert buffer.spool.pending() == []
    # No column of ours is meant for them,
    assert suspect_columns(["analytics"]) == []
    # and no value anywhere holds them, whole or the distinctive part of the user agent.
    assert_no_trace(ADDRESS, FORWARDED, USER_AGENT, "PrivacyProbe", "Pixel 8")
    # (The probe does read the rows: what was meant to be kept is found.)
    kept = traces_of("/isola/en/")
    assert ("analytics_pageview", "path") in {(t.table, t.column) for t in kept}


def test_spooled_batches_hold_no_address_or_user_agent_either(
    edge: Any, buffer: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    from quartieri.analytics.ingest import SinkUnavailableError

    def down(batch: Any) -> bool:
        raise SinkUnavailableError("down")

    monkeypatch.setattr(buffer.sink, "write", down)
    code = link_for(target="/q/", channel="posters").rsplit("/", 1)[1]
    call(edge, f"/l/{code}", headers={"User-Agent": USER_AGENT}, address=ADDRESS)
    assert buffer.flush_once().spooled == 1
    written = "".join(p.read_text() for p in buffer.spool.pending())
    assert ADDRESS not in written
    assert "PrivacyProbe" not in written
