from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from quartieri.accounts.models import AuditEvent
from tests.conftest import PASSWORD


def attempt(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_it_signs_in_with_the_right_password(editor):
    client = Client()
    assert attempt(client, "marco", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_reason(editor):
    client = Client()
    response = attempt(client, "marco", "wrong")
    assert response.status_code == 200
    assert "5" in response.content.decode()  # the page says after how many attempts it locks
    assert client.get("/").status_code == 302  # still signed out


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_and_the_lock_is_logged(editor):
    client = Client()
    statuses = [attempt(client, "marco", "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert AuditEvent.objects.filter(action="login.locked_out").count() == 1
    # Even the right password is refused while locked
    response = attempt(client, "marco", PASSWORD)
    assert response.status_code == 429
    assert client.get("/").status_code == 302
    event = AuditEvent.objects.filter(action="login.locked_out").first()
    assert event.after["username"] == "marco"
    assert "127.0.0.1" not in str(event.after)


@pytest.mark.django_db
def test_failed_logins_never_store_the_raw_address(editor):
    client = Client(REMOTE_ADDR="203.0.113.7")
    attempt(client, "marco", "wrong")
    stored = AccessAttempt.objects.get()
    assert stored.ip_address != "203.0.113.7"
    assert stored.ip_address.startswith("fd")
    # the same client maps to the same pseudonym, so the lockout still counts it
    attempt(client, "marco", "wrong")
    assert AccessAttempt.objects.get().failures_since_start == 2


@pytest.mark.django_db
def test_logout_needs_a_post_and_signs_out(client_for, editor):
    client = client_for(editor)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302
