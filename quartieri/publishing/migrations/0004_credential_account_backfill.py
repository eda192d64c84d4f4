"""Credentials become owned by channel accounts (step 2 of 3: data).

Each stored credential is attached to the channel account with the same platform and
handle. A credential with no such account (connected with the old command before the
account was created) gets an institutional account made for it, so no token is lost;
a person can then set its owner and grants. Reversible: platform and handle are copied
back from the account.
"""

from typing import Any

from django.db import migrations


def attach(apps: Any, schema_editor: Any) -> None:
    credential_model = apps.get_model("publishing", "PlatformCredential")
    account_model = apps.get_model("campaigns", "ChannelAccount")
    for credential in credential_model.objects.filter(account__isnull=True).order_by("pk"):
        account, _created = account_model.objects.get_or_create(
            platform=credential.platform,
            handle=credential.handle,
            defaults={"kind": "institutional"},
        )
        credential.account = account
        credential.save(update_fields=["account"])


def detach(apps: Any, schema_editor: Any) -> None:
    credential_model = apps.get_model("publishing", "PlatformCredential")
    for credential in credential_model.objects.select_related("account").order_by("pk"):
        credential.platform = credential.account.platform
        credential.handle = credential.account.handle
        credential.save(update_fields=["platform", "handle"])


class Migration(migrations.Migration):
    dependencies = [("publishing", "0003_credential_account")]

    operations = [migrations.RunPython(attach, detach)]
