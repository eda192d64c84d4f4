from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from quartieri.accounts.models import User


@pytest.mark.django_db
def test_a_person_resets_a_forgotten_password_by_email(editor):
    client = Client()
    response = client.post("/accounts/password-reset/", {"email": "marco@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["marco@example.org"]
    link = re.search(r"http://\S+/accounts/password-reset/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[1]

    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    new_password = "a-new-and-long-passphrase"
    done = client.post(set_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302

    editor.refresh_from_db()
    assert editor.check_password(new_password)
    # The link works once
    again = Client().get(path, follow=True)
    assert "not valid" in again.content.decode() or "non è più valido" in again.content.decode()


@pytest.mark.django_db
def test_an_unknown_address_sends_nothing_and_reveals_nothing(editor):
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302  # the same answer as for a known address
    assert mail.outbox == []
    assert User.objects.get(username="marco").check_password("correct-horse-battery-staple")
