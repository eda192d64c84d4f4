"""A database made by `quartieri demo` before the channels app existed upgrades with
`quartieri migrate` and keeps its accounts, grants, credentials and outbox history.

The fixture is the previous main's demo database (see fixtures/README.md for how it was
made); the test reads its rows before migrating, runs the real `quartieri migrate` on a copy
(SQLite, whatever database the suite runs on: the file is what a Comune has), then reads
them again through the models (tokens decrypted with the fixture's key).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.processes import python, quartieri

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"

READ_BACK = """
import json
from quartieri.campaigns.models import Variant
from quartieri.channels.models import AccountGrant, AccountState, ChannelAccount, PlatformCredential
from quartieri.publishing.models import OutboxEntry

print(json.dumps({
    "accounts": sorted(ChannelAccount.objects.values_list("id", "platform", "handle", "kind", "owner_id")),
    "grants": sorted(AccountGrant.objects.values_list("id", "account_id", "user_id", "can_draft", "can_approve", "can_publish")),
    "tokens": sorted((c.id, c.account_id, c.external_id, c.access_token, c.refresh_token) for c in PlatformCredential.objects.all()),
    "states": sorted(AccountState.objects.values_list("id", "account_id", "quota_total")),
    "outbox": sorted(OutboxEntry.objects.values_list("id", "variant_id", "account_id", "state", "platform_post_id")),
    "variants": sorted(Variant.objects.values_list("id", "account_id", "status")),
    "options": {v.pk: v.options for v in Variant.objects.all()},
    "next_account_id": ChannelAccount.objects.create(platform="website", handle="after-upgrade").pk,
}, default=str))
"""


def _before(db: Path) -> dict[str, list[list[object]]]:
    """The rows as the previous main stored them (its own table names)."""
    queries = {
        "accounts": "SELECT id, platform, handle, kind, owner_id FROM campaigns_channelaccount",
        "grants": "SELECT id, account_id, user_id, can_draft, can_approve, can_publish "
        "FROM campaigns_accountgrant",
        "states": "SELECT id, account_id, quota_total FROM publishing_accountstate",
        "outbox": "SELECT id, variant_id, account_id, state, platform_post_id "
        "FROM publishing_outboxentry",
        "variants": "SELECT id, account_id, status FROM campaigns_variant",
        "credentials": "SELECT id, account_id, external_id FROM publishing_platformcredential",
        "tiktok_columns": "SELECT v.id, a.platform, v.tiktok_privacy_level, "
        "v.tiktok_allow_comment, v.tiktok_allow_duet, v.tiktok_allow_stitch "
        "FROM campaigns_variant v JOIN campaigns_channelaccount a ON a.id = v.account_id",
    }
    with sqlite3.connect(db) as connection:
        return {
            name: sorted([list(row) for row in connection.execute(sql)])
            for name, sql in queries.items()
        }


def _plain(rows: list[list[object]]) -> list[list[object]]:
    # SQLite gives booleans as 0/1, JSON gives true/false: compare the values.
    return [[int(v) if isinstance(v, bool) else v for v in row] for row in rows]


def test_a_demo_database_of_the_previous_main_upgrades_with_nothing_lost(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    db = data / "quartieri.sqlite3"
    with gzip.open(FIXTURES / "demo-before-channels.sqlite3.gz") as packed, db.open("wb") as out:
        shutil.copyfileobj(packed, out)
    shutil.copy(FIXTURES / "demo-before-channels.encryption_key", data / "encryption_key")
    before = _before(db)
    assert (len(before["accounts"]), len(before["credentials"])) == (7, 4)  # the demo's
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("QUARTIERI_", "PYTEST_", "DJANGO_"))
        and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env["QUARTIERI_DATA_DIR"] = str(data)

    migrated = quartieri(env, "migrate", "--noinput")

    assert migrated.returncode == 0, migrated.stderr
    assert "channels.0001_channel_models_moved... OK" in migrated.stdout
    after = json.loads(python(env, READ_BACK).stdout)
    for name in ("accounts", "grants", "states", "outbox", "variants"):
        assert _plain(after[name]) == before[name], name
    # Every token still decrypts with the key it was written with.
    tokens = {row[0]: row for row in after["tokens"]}
    assert [[row[0], row[1], row[2]] for row in after["tokens"]] == before["credentials"]
    assert tokens[2][3:] == ["sandbox-tiktok-2", "sandbox-refresh-2"]
    assert tokens[1][3] == "sandbox-facebook-1"
    # TikTok's columns became its options; other kinds' variants have none.
    for pk, platform, privacy, comment, duet, stitch in before["tiktok_columns"]:
        expected = (
            {
                "privacy_level": privacy,
                "allow_comment": bool(comment),
                "allow_duet": bool(duet),
                "allow_stitch": bool(stitch),
            }
            if platform == "tiktok"
            else {}
        )
        assert after["options"][str(pk)] == expected, pk
    assert after["options"]["1"]["privacy_level"] == "PUBLIC_TO_EVERYONE"
    # New rows continue the old ids.
    assert after["next_account_id"] == max(row[0] for row in before["accounts"]) + 1
