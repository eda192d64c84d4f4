"""ChannelAccount and AccountGrant move to the channels app: their tables take its names first
(rows and ids kept; foreign keys follow the renamed table). See channels.0001.

It runs after every migration written against the old names (publishing's credential
backfill reads campaigns_channelaccount), and is undone before them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_media_probe"),
        ("publishing", "0006_account_quota"),
        ("analytics", "0001_insights"),
    ]

    operations = [
        migrations.AlterModelTable(name="channelaccount", table="channels_channelaccount"),
        migrations.AlterModelTable(name="accountgrant", table="channels_accountgrant"),
    ]
