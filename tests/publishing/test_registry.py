from __future__ import annotations

import ssl
import subprocess
import sys

import httpx
import pytest

from quartieri.channels.connectors.base import (
    Connector,
    MediaItem,
    MediaKind,
    PostKind,
    PostRequest,
    TokenSet,
)
from quartieri.channels.registry import UnknownKindError as UnknownPlatformError
from quartieri.channels.registry import connector_class, platform_slugs


def test_every_registered_platform_resolves_to_its_connector():
    # Mastodon joined as the fourth social kind (issue 15).
    assert platform_slugs() == ["facebook", "instagram", "mastodon", "tiktok"]
    for slug in platform_slugs():
        cls = connector_class(slug)
        assert issubclass(cls, Connector)
        assert cls.slug == slug
        assert cls.supported_kinds


def test_an_unknown_platform_names_the_known_ones():
    with pytest.raises(UnknownPlatformError, match="facebook, instagram, mastodon, tiktok"):
        connector_class("myspace")


def test_a_post_request_checks_its_marker_and_media():
    with pytest.raises(ValueError, match="marker"):
        PostRequest(kind=PostKind.TEXT, text="no marker here", marker="q.example/x")
    with pytest.raises(ValueError, match="exactly one"):
        MediaItem(kind=MediaKind.IMAGE)


@pytest.mark.parametrize(
    ("expires_in", "has_expiry"),
    [
        pytest.param(7200, True, id="seconds_case"),
        pytest.param("7200", True, id="string_case"),
        pytest.param(0, False, id="zero_means_no_expiry_case"),
        pytest.param(None, False, id="absent_case"),
    ],
)
def test_token_expiry_comes_from_the_response(expires_in, has_expiry):
    tokens = TokenSet.from_response(access_token="a", expires_in=expires_in)
    assert (tokens.expires_at is not None) == has_expiry


@pytest.mark.parametrize(
    ("module", "path"),
    [
        pytest.param("tiktok", "/v2/post/publish/creator_info/query/", id="tiktok_case"),
        pytest.param("instagram", "/v25.0/17841400000000001/media", id="instagram_case"),
        pytest.param("facebook", "/v25.0/104000000000001/posts", id="facebook_case"),
    ],
)
def test_each_fake_runs_standalone(module, path):
    process = subprocess.Popen(
        [sys.executable, "-m", f"quartieri.channels.kinds.{module}.fake", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        url = line.split(" listening on ")[1].split()[0]
        method = "POST" if module == "tiktok" else "GET"
        response = httpx.request(method, url + path, headers={"Authorization": "Bearer t"})
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_every_platform_client_shares_one_tls_context_that_checks_certificates(tiktok, instagram):
    # One CA bundle load per process: a context per client cost ~100 ms of CPU a call.
    from quartieri.channels.connectors.http import tls_context

    contexts = {id(c.client._transport._pool._ssl_context) for c in (tiktok, instagram)}
    assert contexts == {id(tls_context())}
    assert tls_context().verify_mode == ssl.CERT_REQUIRED
    assert tls_context().check_hostname
