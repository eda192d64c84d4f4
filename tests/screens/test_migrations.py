"""The migration from a group's channel handle to its channel account loses no link."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.screens.models import DisplayGroup

BEFORE = [("screens", "0002_group_account_slide_qr_link")]


@pytest.mark.django_db(transaction=True)
def test_each_group_gets_the_account_its_handle_named_and_none_is_lost(editor):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    try:
        # given: two groups naming one account (with a grant), one naming a deleted
        # account, one naming none
        account_model = old.get_model("channels", "ChannelAccount")
        shared = account_model.objects.create(platform="screens", handle="screens")
        old.get_model("channels", "AccountGrant").objects.create(
            account=shared, user_id=editor.pk, can_draft=True
        )
        group_model = old.get_model("screens", "DisplayGroup")
        first = group_model.objects.create(name="Tutti", channel_handle="screens")
        second = group_model.objects.create(name="Isola", channel_handle="screens")
        group_model.objects.create(name="Baggio", channel_handle="gone")
        group_model.objects.create(name="Hand-made")

        # when the migrations run
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        # then the first keeps the account; the second gets its own, same grants; the lost
        # one gets its account again; no group is lost
        groups = {g.name: g.account for g in DisplayGroup.objects.select_related("account")}
        assert groups["Tutti"].pk == shared.pk
        assert groups["Isola"].handle == f"screens-{second.pk}"
        grant = AccountGrant.objects.get(account=groups["Isola"])
        assert (grant.user_id, grant.can_draft, grant.can_approve) == (editor.pk, True, False)
        assert (groups["Baggio"].platform, groups["Baggio"].handle) == ("screens", "gone")
        assert groups["Hand-made"] is None
        assert ChannelAccount.objects.filter(platform="screens").count() == 3

        # and going back writes each account's handle into the group again
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        back = executor.loader.project_state(BEFORE).apps
        rows = back.get_model("screens", "DisplayGroup").objects.order_by("pk")
        assert [(g.name, g.channel_handle) for g in rows] == [
            ("Tutti", "screens"),
            ("Isola", f"screens-{second.pk}"),
            ("Baggio", "gone"),
            ("Hand-made", ""),
        ]
        assert first.pk == rows[0].pk
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
