from __future__ import annotations

import pytest
from django.test import Client

from quartieri.accounts.models import AuditEvent
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_it_signs_in_with_the_right_password(editor):
    client = Client()
    response = client.post("/accounts/login/", {"username": "marco", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
