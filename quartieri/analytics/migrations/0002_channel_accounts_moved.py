"""The figures' account is now channels.ChannelAccount (same table, renamed). No SQL."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_insights"),
        ("channels", "0001_channel_models_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="accountmetric",
                    name="account",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="metrics",
                        to="channels.channelaccount",
                        verbose_name="channel account",
                    ),
                ),
                migrations.AlterField(
                    model_name="postmetric",
                    name="account",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="post_metrics",
                        to="channels.channelaccount",
                        verbose_name="channel account",
                    ),
                ),
            ],
        ),
    ]
