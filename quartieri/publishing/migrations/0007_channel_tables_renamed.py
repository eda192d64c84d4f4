"""PlatformCredential and AccountState move to the channels app: their tables take its names
first (rows, ids and encrypted tokens kept as they are). See channels.0001."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0006_account_quota"),
        ("campaigns", "0005_channel_tables_renamed"),
    ]

    operations = [
        migrations.AlterModelTable(name="platformcredential", table="channels_platformcredential"),
        migrations.AlterModelTable(name="accountstate", table="channels_accountstate"),
    ]
