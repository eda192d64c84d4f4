"""Every role sees what it may see, and nothing else, checked on the server."""

from __future__ import annotations

import pytest
from django.test import Client

ROLE_PAGES = {
    # path: roles allowed
    "/": {"admin_user", "approver", "editor", "analyst"},
    "/accounts/audit/": {"admin_user"},
    "/accounts/users/": {"admin_user"},
    "/admin/": {"admin_user"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["admin_user", "approver", "editor", "analyst"])
@pytest.mark.parametrize("path", list(ROLE_PAGES))
def test_each_role_reaches_only_its_pages(request, client_for, persona, path):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(path)
    if persona in ROLE_PAGES[path]:
        assert response.status_code == 200
    else:
        # The Django admin sends non-staff to its own login; our pages answer 403.
        assert response.status_code in {302, 403}
        assert response.status_code == 403 or "/admin/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(ROLE_PAGES))
def test_signed_out_visitors_are_sent_to_the_login(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_the_menu_shows_admin_entries_only_to_admins(client_for, admin_user, editor):
    assert b"/accounts/audit/" in client_for(admin_user).get("/").content
    assert b"/accounts/audit/" not in client_for(editor).get("/").content


@pytest.mark.django_db
def test_an_inactive_person_is_refused(client_for, editor):
    editor.is_active = False
    editor.save()
    assert client_for(editor).get("/").status_code == 302
