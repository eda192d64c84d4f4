"""The data migration that made each list its channel account (wave 1 linked them by handle)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("newsletter", "0002_list_account_and_send_records")
AFTER = ("newsletter", "0004_list_account_required")


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_every_list_keeps_its_row_and_gets_the_account_its_handle_named():
    apps = _migrate(BEFORE)
    try:
        account_model = apps.get_model("channels", "ChannelAccount")
        list_model = apps.get_model("newsletter", "NewsletterList")
        existing = account_model.objects.create(platform="newsletter", handle="newsletter")
        account_model.objects.create(platform="screens", handle="weekly")  # another kind
        list_model.objects.create(
            slug="daily", name="Daily", account_handle="newsletter", from_name="Comune"
        )
        list_model.objects.create(
            slug="weekly", name="Weekly", account_handle="weekly", from_name="Comune"
        )

        apps = _migrate(AFTER)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    lists = {
        row.slug: (row.account.pk, row.account.platform, row.account.handle)
        for row in apps.get_model("newsletter", "NewsletterList").objects.all()
    }
    assert lists["daily"] == (existing.pk, "newsletter", "newsletter")
    # No newsletter account had that handle: one was made, named after the list.
    weekly = apps.get_model("channels", "ChannelAccount").objects.get(pk=lists["weekly"][0])
    assert (weekly.platform, weekly.handle, weekly.display_name) == (
        "newsletter",
        "weekly",
        "Weekly",
    )
