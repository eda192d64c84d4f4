from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from quartieri.accounts.models import AuditEvent
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.models import ChannelAccount, PlatformCredential
from quartieri.channels.services import (
    CredentialError,
    credential_mark_reconnect_needed,
    credential_store,
)
from quartieri.lib.commands import UsageError
from quartieri.lib.crypto import SecretDecryptError

pytestmark = pytest.mark.django_db

ACCESS, REFRESH = "act.SECRET-access-1234", "rft.SECRET-refresh-5678"


def raw_columns(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM channels_platformcredential WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


@pytest.fixture
def visit(db) -> ChannelAccount:
    return ChannelAccount.objects.create(platform="tiktok", handle="@visit")


def store(tokens: TokenSet, actor=None) -> PlatformCredential:
    account, _ = ChannelAccount.objects.get_or_create(platform="tiktok", handle="@visit")
    return credential_store(actor=actor, account=account, tokens=tokens)


def test_tokens_are_encrypted_in_the_database_and_plain_in_python(admin_user):
    credential = store(TokenSet(access_token=ACCESS, refresh_token=REFRESH), actor=admin_user)

    access_column, refresh_column = raw_columns(credential.pk)
    assert ACCESS not in access_column
    assert "SECRET" not in access_column + refresh_column
    fresh = PlatformCredential.objects.get(pk=credential.pk)
    assert (fresh.access_token, fresh.refresh_token) == (ACCESS, REFRESH)


def test_the_audit_log_never_contains_a_token(admin_user):
    store(TokenSet(access_token=ACCESS, refresh_token=REFRESH), actor=admin_user)
    store(TokenSet(access_token=ACCESS + "2", refresh_token=REFRESH + "2"), actor=admin_user)

    events = AuditEvent.objects.filter(action__startswith="publishing.credential_")
    # The first store connects the account, the second reconnects it.
    assert sorted(events.values_list("action", flat=True)) == [
        "publishing.credential_connect",
        "publishing.credential_reconnect",
    ]
    for event in events:
        assert "SECRET" not in f"{event.before} {event.after} {event.target_label}"
    assert events.first().actor == admin_user


def test_a_refresh_replaces_both_tokens_in_one_row(admin_user):
    now = timezone.now()
    store(TokenSet(access_token="a1", refresh_token="r1"))
    rotated = TokenSet.from_response(
        access_token="a2", refresh_token="r2", expires_in=7200, refresh_expires_in=15552000, now=now
    )
    credential = store(rotated)

    assert PlatformCredential.objects.count() == 1
    credential.refresh_from_db()
    assert (credential.access_token, credential.refresh_token) == ("a2", "r2")
    assert credential.expires_at == now + timedelta(seconds=7200)
    assert credential.refresh_expires_at == now + timedelta(seconds=15552000)


def test_a_token_set_without_refresh_token_keeps_the_stored_one():
    store(TokenSet(access_token="a1", refresh_token="r1"))
    credential = store(TokenSet(access_token="a2"))
    credential.refresh_from_db()
    assert credential.refresh_token == "r1"


def test_a_failed_store_rolls_back_tokens_and_audit(monkeypatch):
    store(TokenSet(access_token="a1", refresh_token="r1"))

    def broken(**kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr("quartieri.channels.services.audit_record", broken)
    with pytest.raises(RuntimeError):
        store(TokenSet(access_token="a2", refresh_token="r2"))
    credential = PlatformCredential.objects.get()
    assert (credential.access_token, credential.refresh_token) == ("a1", "r1")


def test_reconnect_needed_is_recorded(admin_user):
    credential = store(TokenSet(access_token="a1"))
    credential_mark_reconnect_needed(actor=None, credential_id=credential.pk, reason="190/463")
    credential.refresh_from_db()
    assert credential.status == PlatformCredential.Status.RECONNECT_NEEDED
    # storing new tokens reconnects it
    store(TokenSet(access_token="a2"))
    credential.refresh_from_db()
    assert credential.status == PlatformCredential.Status.OK


def test_a_row_under_a_removed_key_fails_clearly(settings):
    credential = store(TokenSet(access_token="a1"))
    settings.ENCRYPTION_KEYS = ["a completely different key"]
    with pytest.raises(SecretDecryptError):
        PlatformCredential.objects.get(pk=credential.pk)


@pytest.mark.parametrize(
    ("platform", "access"),
    [
        pytest.param("newsletter", "a", id="platform_without_connector_case"),
        pytest.param("tiktok", "", id="empty_token_case"),
        pytest.param("tiktok", "   ", id="blank_token_case"),
    ],
)
def test_the_service_refuses_bad_input(platform, access):
    account = ChannelAccount.objects.create(platform=platform, handle="@visit")
    with pytest.raises(CredentialError):
        credential_store(actor=None, account=account, tokens=TokenSet(access_token=access))
    assert PlatformCredential.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_deleting_an_account_deletes_its_tokens(visit):
    credential_store(actor=None, account=visit, tokens=TokenSet(access_token=ACCESS))
    visit.delete()
    assert PlatformCredential.objects.count() == 0


def test_renaming_a_handle_keeps_the_credential(visit):
    credential = credential_store(actor=None, account=visit, tokens=TokenSet(access_token="a1"))
    ChannelAccount.objects.filter(pk=visit.pk).update(handle="@visit.milano")
    credential = PlatformCredential.objects.get(pk=credential.pk)
    assert credential.handle == "@visit.milano"
    assert str(credential) == "tiktok:@visit.milano"


# --- The command ------------------------------------------------------------------------------
def connect(*args: str) -> str:
    out = io.StringIO()
    call_command("publishing", "connect", *args, stdout=out)
    return out.getvalue()


def test_connect_stores_tokens_for_an_account_named_by_platform_and_handle():
    account = ChannelAccount.objects.create(platform="instagram", handle="@visitcomo")
    before = timezone.now()
    output = connect(
        "instagram:@visitcomo",
        "--access-token",
        ACCESS,
        "--expires-in",
        "5184000",
        "--external-id",
        "1784",
        "--scopes",
        "instagram_basic, instagram_content_publish",
    )
    credential = PlatformCredential.objects.get()
    assert credential.account == account
    assert "@visitcomo" in output
    assert ACCESS not in output
    assert credential.access_token == ACCESS
    assert credential.external_id == "1784"
    assert credential.scopes == ["instagram_basic", "instagram_content_publish"]
    assert 59 <= (credential.expires_at - before).days <= 60
    assert AuditEvent.objects.get().action == "publishing.credential_connect"


def test_connect_takes_the_account_id_and_both_expiries(visit):
    before = timezone.now()
    connect(
        str(visit.pk),
        "--access-token",
        "a",
        "--refresh-token",
        "r",
        "--expires-in",
        "7200",
        "--refresh-expires-in",
        "15552000",
    )
    credential = PlatformCredential.objects.get(account=visit)
    assert credential.refresh_token == "r"
    assert 7199 <= (credential.expires_at - before).total_seconds() <= 7201
    assert 179 <= (credential.refresh_expires_at - before).days <= 180


def test_connect_reads_tokens_from_stdin(monkeypatch, visit):
    monkeypatch.setattr("sys.stdin", io.StringIO(ACCESS + "\n" + REFRESH + "\n"))
    connect("tiktok:@visit", "--access-token", "-", "--refresh-token", "-")
    credential = PlatformCredential.objects.get()
    assert (credential.access_token, credential.refresh_token) == (ACCESS, REFRESH)


def test_an_unknown_account_is_refused_with_the_list_of_valid_ones(visit):
    ChannelAccount.objects.create(platform="newsletter", handle="quartieri")
    with pytest.raises(UsageError) as error:
        connect("tiktok:@nobody", "--access-token", "a")
    message = str(error.value)
    assert error.value.returncode == 2
    assert "'tiktok:@nobody'" in message
    assert f"{visit.pk} (tiktok:@visit)" in message
    assert "newsletter" not in message  # not a platform quartieri publishes to
    assert PlatformCredential.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "named"),
    [
        pytest.param(["ACCOUNT", "999"], "'999'", id="unknown_id_case"),
        pytest.param(["ACCOUNT", "myspace:@visit"], "myspace", id="unknown_platform_case"),
        pytest.param(["--expires-in", "0"], "--expires-in 0", id="zero_expiry_case"),
        pytest.param(["--expires-in", "-5"], "--expires-in -5", id="negative_expiry_case"),
        pytest.param(
            ["--refresh-expires-in", "0"], "--refresh-expires-in 0", id="zero_refresh_expiry_case"
        ),
        pytest.param(["--access-token", " "], "access token", id="blank_token_case"),
    ],
)
def test_connect_refuses_bad_input_with_exit_2_and_stores_nothing(args, named, visit):
    base = {"ACCOUNT": "tiktok:@visit", "--access-token": "a"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    account = base.pop("ACCOUNT")
    with pytest.raises(UsageError) as error:
        connect(account, *[part for pair in base.items() for part in pair])
    assert error.value.returncode == 2
    assert named in str(error.value)
    assert PlatformCredential.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_list_never_shows_tokens(visit):
    connect("tiktok:@visit", "--access-token", ACCESS)
    out = io.StringIO()
    call_command("publishing", "list", "--format", "json", stdout=out)
    assert '"handle": "@visit"' in out.getvalue()
    assert f'"account": {visit.pk}' in out.getvalue()
    assert ACCESS not in out.getvalue()


def test_a_refreshed_tiktok_pair_is_stored_and_the_old_refresh_token_is_gone(fake_tiktok):
    from quartieri.channels.connectors.base import AccountAuth, AppCredentials
    from quartieri.channels.kinds.tiktok.client import TikTokConnector

    # given an account stored with the fake's first refresh token
    account = ChannelAccount.objects.create(platform="tiktok", handle="@visit")
    credential = credential_store(
        actor=None,
        account=account,
        tokens=TokenSet(access_token="a0", refresh_token="fake-refresh-0"),
    )
    connector = TikTokConnector(
        auth=AccountAuth(access_token=credential.access_token),
        app=AppCredentials(client_id="fake-client-key", client_secret="fake-client-secret"),
        base_url=fake_tiktok.url,
    )

    # when it is refreshed and stored
    tokens = connector.refresh(refresh_token=credential.refresh_token)
    credential_store(actor=None, account=account, tokens=tokens, event="refresh")
    connector.close()

    # then the row holds the rotated pair and the platform's expiry
    credential.refresh_from_db()
    assert credential.refresh_token == tokens.refresh_token != "fake-refresh-0"
    assert credential.access_token == tokens.access_token
    assert credential.expires_at == tokens.expires_at
    assert "fake-refresh-0" not in fake_tiktok.refresh_tokens


def test_rotate_keys_re_encrypts_every_row_with_the_newest_key(settings):
    # given rows stored under the old key
    settings.ENCRYPTION_KEYS = ["old key"]
    store(TokenSet(access_token="a1", refresh_token="r1"))
    before = raw_columns(PlatformCredential.objects.get().pk)

    # when a new key is put in front and the command runs
    settings.ENCRYPTION_KEYS = ["new key", "old key"]
    out = io.StringIO()
    call_command("publishing", "rotate-keys", "--format", "json", stdout=out)

    # then the row decrypts with the new key alone
    settings.ENCRYPTION_KEYS = ["new key"]
    credential = PlatformCredential.objects.get()
    assert '"rotated": 1' in out.getvalue()
    assert raw_columns(credential.pk) != before
    assert (credential.access_token, credential.refresh_token) == ("a1", "r1")


# --- The migration to credentials owned by channel accounts -----------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_migration_attaches_credentials_to_their_accounts_and_loses_none():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    # Before the credential migrations, with the accounts still in campaigns (channels.0001
    # moved them later).
    before = [("publishing", "0002_outbox"), ("campaigns", "0004_media_probe")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    try:
        # given a credential whose account exists and one connected before its account
        account_model = old.get_model("campaigns", "ChannelAccount")
        existing = account_model.objects.create(platform="tiktok", handle="@visit")
        credential_model = old.get_model("publishing", "PlatformCredential")
        credential_model.objects.create(platform="tiktok", handle="@visit", access_token="a1")
        credential_model.objects.create(
            platform="facebook", handle="Pagina orfana", access_token="a2", external_id="104"
        )

        # when the migrations run
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        # then each credential belongs to an account, with its tokens readable
        first = PlatformCredential.objects.get(account_id=existing.pk)
        orphan = PlatformCredential.objects.get(account__handle="Pagina orfana")
        assert first.access_token == "a1"
        assert (orphan.access_token, orphan.external_id) == ("a2", "104")
        assert orphan.account.platform == "facebook"
        assert orphan.account.kind == ChannelAccount.Kind.INSTITUTIONAL
        assert ChannelAccount.objects.count() == 2

        # and going back restores platform and handle on the credential rows
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        back = executor.loader.project_state(before).apps
        rows = back.get_model("publishing", "PlatformCredential").objects.order_by("pk")
        assert [(r.platform, r.handle, r.access_token) for r in rows] == [
            ("tiktok", "@visit", "a1"),
            ("facebook", "Pagina orfana", "a2"),
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
