"""Shared fixtures: the people every test talks about, and a browser.

Personas (healthchecks-style), each a real row made through ``user_create``:
- ``admin_user``    Anna, administrator of the platform (Comune).
- ``approver``      Giulia, comms office: approves what the agency drafts.
- ``editor``        Marco, agency editor: drafts, cannot approve.
- ``analyst``       Sara, read-only analyst: sees, changes nothing.
- ``other_editor``  Luca, a second agency editor (for four-eyes and ownership checks).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from quartieri.accounts.models import User
from quartieri.accounts.roles import Role
from quartieri.accounts.services import user_create

PASSWORD = "correct-horse-battery-staple"


def make_person(username: str, role: Role, **extra: Any) -> User:
    return user_create(
        actor=None,
        username=username,
        email=f"{username}@example.org",
        role=role,
        password=PASSWORD,
        **extra,
    )


@pytest.fixture
def admin_user(db: None) -> User:
    return make_person("anna", Role.ADMIN, first_name="Anna")


@pytest.fixture
def approver(db: None) -> User:
    return make_person("giulia", Role.APPROVER, first_name="Giulia")


@pytest.fixture
def editor(db: None) -> User:
    return make_person("marco", Role.EDITOR, first_name="Marco")


@pytest.fixture
def other_editor(db: None) -> User:
    return make_person("luca", Role.EDITOR, first_name="Luca")


@pytest.fixture
def analyst(db: None) -> User:
    return make_person("sara", Role.ANALYST, first_name="Sara")


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """A test client already signed in as the given person."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def isolated_settings(folder: Path) -> dict[str, Any]:
    """The settings that keep a test's files in its own folder: uploads, built sites and
    outgoing mail of one test never leak into another or var/."""
    return {
        "MEDIA_ROOT": folder / "media",
        "BUILD_ROOT": folder / "build",
        "MAILERS": {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Notification e-mails are tasks: tests of them turn this on (tests/notifications/);
        # elsewhere they would join the task queues that publishing's tests drain and compare.
        "NOTIFICATIONS_EMAIL": False,
    }


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Path) -> None:
    for name, value in isolated_settings(tmp_path).items():
        setattr(settings, name, value)
    # Tests serve static files from the finders; production serves collectstatic's output.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh page whose requests outside the live server are refused (no internet)."""
    context = browser.new_context(base_url=live_server.url, locale="it-IT")
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page: Any) -> Callable[[User], Any]:
    """Sign in through the real login form."""

    def sign_in(user: User) -> Any:
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_load_state()
        return page

    return sign_in


class OneRequestAtATime(WSGIServer):
    """Django's WSGI server without threads, for a live server on in-memory SQLite: every
    request thread would share the test's one connection, and a page's requests fetched at
    once misuse it ("bad parameter or other API misuse"), breaking it for the tests after.
    The live server thread has already put the shared connection in place; Django closes
    each HTTP connection of a server without threads, so the browser is never stuck."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


def serial_live_server(addr: str) -> LiveServer:
    """A started live server that serves one request at a time on in-memory SQLite."""
    server = LiveServer(addr, start=False)
    if server.thread.connections_override:
        server.thread.server_class = OneRequestAtATime
    server.start()
    return server
