from __future__ import annotations

import pytest
from django.db import transaction

from quartieri.accounts.models import AuditEvent, User
from quartieri.accounts.roles import Role
from quartieri.accounts.services import user_set_role


@pytest.mark.django_db
def test_a_role_change_is_logged_with_who_before_and_after(admin_user, editor):
    user_set_role(actor=admin_user, user=editor, role=Role.APPROVER)
    event = AuditEvent.objects.get(action="user.set_role")
    assert event.actor == admin_user
    assert event.actor_label == "anna"
    assert event.target_id == str(editor.pk)
    assert event.before["role"] == "editor"
    assert event.after["role"] == "approver"


@pytest.mark.django_db
def test_a_change_that_rolls_back_leaves_no_audit_row(admin_user, editor):
    before = AuditEvent.objects.count()

    def change_then_fail() -> None:
        with transaction.atomic():
            user_set_role(actor=admin_user, user=editor, role=Role.APPROVER)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert AuditEvent.objects.count() == before
    assert User.objects.get(pk=editor.pk).role == Role.EDITOR


@pytest.mark.django_db
def test_passwords_never_reach_the_audit_log(admin_user):
    event = AuditEvent.objects.get(action="user.create", target_id=str(admin_user.pk))
    assert "password" not in event.after


@pytest.mark.django_db
def test_admin_changes_are_audited(client_for, admin_user, editor):
    client = client_for(admin_user)
    page = client.get(f"/admin/accounts/user/{editor.pk}/change/")
    form = page.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and key not in {"groups", "user_permissions", "password"}
    }
    data.update(
        role="analyst",
        last_login_0="",
        last_login_1="",
        date_joined_0="2021-05-03",
        date_joined_1="09:00:00",
    )
    response = client.post(f"/admin/accounts/user/{editor.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="user.change")
    assert (event.before["role"], event.after["role"]) == ("editor", "analyst")
    assert event.actor == admin_user


@pytest.mark.django_db
def test_the_audit_log_page_lists_and_filters_events(client_for, admin_user, editor):
    user_set_role(actor=admin_user, user=editor, role=Role.ANALYST)
    client = client_for(admin_user)
    page = client.get("/accounts/audit/", {"action": "user.set_role"}).content.decode()
    assert "user.set_role" in page
    assert "user.create" not in page


@pytest.mark.django_db
def test_nobody_can_delete_or_edit_audit_events(client_for, admin_user):
    event = AuditEvent.objects.first()
    client = client_for(admin_user)
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
