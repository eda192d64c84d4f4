"""The outbox's account is now channels.ChannelAccount; PlatformCredential and AccountState
leave this app's model state (their table and rows are the channels app's). No SQL."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0007_channel_tables_renamed"),
        ("channels", "0001_channel_models_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="outboxentry",
                    name="account",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="outbox_entries",
                        to="channels.channelaccount",
                    ),
                ),
                migrations.DeleteModel(name="AccountState"),
                migrations.DeleteModel(name="PlatformCredential"),
            ],
        ),
    ]
