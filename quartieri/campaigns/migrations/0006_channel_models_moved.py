"""A variant's account is now channels.ChannelAccount; ChannelAccount and AccountGrant leave
this app's model state once every foreign key points at the channels app. No SQL."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0005_channel_tables_renamed"),
        ("channels", "0001_channel_models_moved"),
        ("publishing", "0008_channel_models_moved"),
        ("analytics", "0002_channel_accounts_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="variant",
                    name="account",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="variants",
                        to="channels.channelaccount",
                    ),
                ),
                migrations.DeleteModel(name="AccountGrant"),
                migrations.DeleteModel(name="ChannelAccount"),
            ],
        ),
    ]
