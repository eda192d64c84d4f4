"""No table keeps a client's address or user agent, while the brute-force lockout still works.

Traffic comes from a TEST-NET-3 address (RFC 5737, never a real client) with a user agent
that appears nowhere else, so finding either in the database can only mean we stored it.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from axes.models import AccessAttempt, AccessLog
from django.apps import apps as django_apps
from django.test import Client

from quartieri.accounts.models import AuditEvent, User
from tests.conftest import PASSWORD
from tests.privacy import assert_no_trace, traces_of

CLIENT_IP = "203.0.113.77"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) QuartieriPrivacyProbe/21.8"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,probe/accept"
HOUR = dt.timedelta(hours=1)


def visitor() -> Client:
    return Client(REMOTE_ADDR=CLIENT_IP, HTTP_USER_AGENT=USER_AGENT, HTTP_ACCEPT=ACCEPT)


def sign_in(client: Client, username: str, password: str) -> int:
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code


@pytest.mark.django_db
def test_signing_in_failing_and_being_locked_out_leave_no_address_or_user_agent(
    editor: User,
) -> None:
    client = visitor()
    # Signs in, works, signs out.
    assert sign_in(client, "marco", PASSWORD) == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    # A name that does not exist, then five wrong passwords: the fifth locks.
    assert sign_in(client, "nobody", "wrong") == 200
    statuses = [sign_in(client, "marco", "wrong") for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert AuditEvent.objects.filter(action="login.locked_out").count() == 1
    assert sign_in(client, "marco", PASSWORD) == 429  # locked, even with the right password
    # What axes keeps is enough for the lockout and nothing more.
    attempt = AccessAttempt.objects.get(username="marco")
    assert (attempt.user_agent, attempt.http_accept) == ("", "")
    assert attempt.ip_address.startswith("fd")
    assert not AccessLog.objects.exists()  # no log of successful sign-ins

    assert_no_trace(USER_AGENT, CLIENT_IP, "QuartieriPrivacyProbe", "probe/accept")


@pytest.mark.django_db
def test_a_new_user_agent_is_still_the_same_client_for_the_lockout(editor: User) -> None:
    # Only the username and the address pseudonym count: changing the user agent at every
    # try neither escapes the lock nor stores a row per agent.
    statuses = []
    for number in range(5):
        client = Client(REMOTE_ADDR=CLIENT_IP, HTTP_USER_AGENT=f"agent {number}")
        statuses.append(sign_in(client, "marco", "wrong"))
    assert statuses == [200, 200, 200, 200, 429]
    assert AccessAttempt.objects.get().failures_since_start == 5


@pytest.mark.django_db
def test_the_scan_finds_what_a_table_holds(editor: User, settings: object) -> None:
    # The scan can fail: a raw address in axes' IP column (inet on PostgreSQL), a user agent
    # inside an audit event's JSON and inside an (encoded) session are each found.
    settings.AXES_CLIENT_IP_CALLABLE = lambda request: request.META["REMOTE_ADDR"]  # type: ignore[attr-defined]
    sign_in(visitor(), "marco", "wrong")
    AuditEvent.objects.create(action="probe", target_label="x", after={"agent": USER_AGENT})
    client = visitor()
    session = client.session
    session["seen_with"] = "QuartieriPrivacyProbe in a session"
    session.save()

    found = {
        (trace.table, trace.column, trace.needle) for trace in traces_of(USER_AGENT, CLIENT_IP)
    }
    audit_table = AuditEvent._meta.db_table
    assert ("axes_accessattempt", "ip_address", CLIENT_IP) in found
    assert (audit_table, "after", USER_AGENT) in found
    assert ("django_session", "session_data", "QuartieriPrivacyProbe") in {
        (t.table, t.column, t.needle) for t in traces_of("QuartieriPrivacyProbe")
    }


@pytest.mark.django_db
def test_the_migration_forgets_stored_user_agents_and_keeps_the_failure_counts() -> None:
    # Rows as axes wrote them before: one client (username + address pseudonym) tried with
    # two user agents, another person from the same address with one.
    migration = importlib.import_module(
        "quartieri.accounts.migrations.0002_forget_axes_user_agents"
    )
    stored = {"ip_address": "fd00::1", "get_data": "", "post_data": "", "path_info": "/"}
    older = AccessAttempt.objects.create(
        username="marco", user_agent="Agent one", http_accept="a", failures_since_start=2, **stored
    )
    newer = AccessAttempt.objects.create(
        username="marco", user_agent="Agent two", http_accept="b", failures_since_start=3, **stored
    )
    AccessAttempt.objects.filter(pk=older.pk).update(attempt_time=newer.attempt_time - HOUR)
    AccessAttempt.objects.create(
        username="luca", user_agent="Agent one", http_accept="a", failures_since_start=1, **stored
    )
    AccessLog.objects.create(
        username="marco", ip_address="fd00::1", user_agent=USER_AGENT, http_accept=ACCEPT
    )

    migration.forget_user_agents(django_apps, None)

    remaining = {a.username: a for a in AccessAttempt.objects.all()}
    assert set(remaining) == {"marco", "luca"}
    assert remaining["marco"].pk == newer.pk
    assert remaining["marco"].failures_since_start == 5
    assert remaining["luca"].failures_since_start == 1
    assert_no_trace("Agent one", "Agent two", USER_AGENT, ACCEPT)
