"""`quartieri serve` runs the production web server and a worker together."""

from __future__ import annotations

import signal

import httpx
import pytest

from tests.processes import answers, free_port, platform_env, quartieri, spawn, wait_for

__all__ = ["platform_env"]


@pytest.mark.slow
def test_serve_answers_pages_and_health_and_stops_on_sigterm(platform_env):
    assert quartieri(platform_env, "demo", "--format", "json").returncode == 0
    port = free_port()
    server = spawn(platform_env, "serve", "--port", str(port), "--web-processes", "1")
    base = f"http://127.0.0.1:{port}"
    try:
        # healthz turns 200 once the worker started by serve has beaten its heartbeat
        wait_for(lambda: answers(f"{base}/healthz", 200), timeout=60, what="a healthy server")
        login = httpx.get(f"{base}/accounts/login/", timeout=5)
        assert login.status_code == 200
        assert (
            "granian" in login.headers.get("server", "").lower()
            or login.headers.get("server") is None
        )
        assert "script-src 'self'" in login.headers["content-security-policy"]
        # static files are served by the platform itself (no CDN, no extra server)
        css = httpx.get(
            f"{base}/static/vendor/bootstrap-italia/css/bootstrap-italia.min.css", timeout=5
        )
        assert css.status_code == 200
        assert "--bootstrap-italia-version" in css.text
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    assert not answers(f"{base}/healthz", 200)


def test_serve_refuses_an_unmigrated_database(tmp_path):
    import os
    import subprocess
    import sys

    from tests.processes import REPO

    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUARTIERI_", "DJANGO_"))}
    env["QUARTIERI_DATA_DIR"] = str(tmp_path)
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "quartieri.cli", "serve", "--port", str(free_port())],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "quartieri migrate" in result.stderr


@pytest.mark.parametrize(
    ("host", "port", "public"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("localhost", 9000, "http://localhost:9000"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),  # noqa: S104
        ("::1", 8001, "http://[::1]:8001"),
        ("quartieri.example.org", 443, ""),  # another name: QUARTIERI_PUBLIC_URL, https
    ],
)
def test_the_public_address_defaults_to_where_serve_listens(host, port, public):
    from quartieri.core.management.commands.serve import public_url_for

    assert public_url_for(host=host, port=port) == public
