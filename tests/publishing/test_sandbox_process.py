"""The demo sandbox with real processes: `quartieri demo --from-today`, then `quartieri serve`
(web server, worker and the sandbox's fakes); the demo's live post goes out to the sandbox
once, and the viewer shows it once."""

from __future__ import annotations

import re
import signal
import socket
from typing import Any

import httpx
import pytest

from quartieri.publishing.demo import LIVE_CAPTION
from tests.processes import free_port, platform_env, python, quartieri, spawn, wait_for

__all__ = ["platform_env"]


def free_pair() -> int:
    """A free port with a free one after it: the sandbox takes two."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two free ports in a row")


def sandbox_posts(url: str) -> list[dict[str, Any]]:
    try:
        return list(httpx.get(f"{url}/_sandbox/posts", timeout=2).json()["posts"])
    except (httpx.HTTPError, ValueError):
        return []


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10, follow_redirects=True)
    form = client.get("/accounts/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    client.post(
        "/accounts/login/",
        data={
            "username": "admin",
            "password": "admin-quartieri",
            "csrfmiddlewaretoken": token[1],
        },
        headers={"Referer": f"{base}/accounts/login/"},
    )
    return client


def outbox_rows(env: dict[str, str]) -> str:
    """What the outbox holds, to tell why a post did not go out."""
    return python(
        env,
        "from quartieri.publishing.models import OutboxEntry\n"
        "print(list(OutboxEntry.objects.values_list("
        "'pk', 'state', 'due_at', 'version', 'attempts', 'last_error')))",
    ).stdout


@pytest.mark.slow
def test_the_demo_publishes_its_live_post_to_the_sandbox_once(platform_env):
    web, sandbox_port = free_port(), free_pair()
    base = f"http://127.0.0.1:{web}"
    env = {
        **platform_env,
        "QUARTIERI_PUBLIC_URL": base,
        "QUARTIERI_SANDBOX_PORT": str(sandbox_port),
        # Due a few seconds after loading rather than the demo's minute: nothing to watch here.
        "QUARTIERI_DEMO_LIVE_DELAY_SECONDS": "5",
    }
    loaded = quartieri(env, "demo", "--from-today", timeout=600)
    assert loaded.returncode == 0, loaded.stderr
    assert "sandbox on" in loaded.stderr
    meta = f"http://127.0.0.1:{sandbox_port + 1}"

    server = spawn(env, "serve", "--port", str(web), "--web-processes", "1")
    try:
        # The live post is due 5 s after loading; the worker sends it to the fake.
        try:
            wait_for(
                lambda: any(LIVE_CAPTION in post["text"] for post in sandbox_posts(meta)),
                timeout=240,
                what="the live post on the sandbox's Facebook",
            )
        except AssertionError as error:
            raise AssertionError(f"{error}; the outbox: {outbox_rows(env)}") from error
        state = python(
            env,
            "from quartieri.publishing.models import OutboxEntry\n"
            f"print(OutboxEntry.objects.get(variant__caption={LIVE_CAPTION!r}).state)",
        )
        assert state.stdout.strip() == "published"
        posts = [post for post in sandbox_posts(meta) if LIVE_CAPTION in post["text"]]
        assert len(posts) == 1
        assert posts[0]["platform"] == "facebook"

        client = signed_in(base)
        viewer = client.get("/publishing/sandbox/")
        assert viewer.status_code == 200
        assert viewer.text.count(LIVE_CAPTION.replace("'", "&#x27;")) == 1
        outbox = client.get("/publishing/", params={"state": "published"}).text
        assert f'href="/publishing/sandbox/facebook/{posts[0]["id"]}/"' in outbox
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    # serve stopped its sandbox too.
    assert sandbox_posts(meta) == []
