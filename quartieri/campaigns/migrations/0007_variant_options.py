"""Variant.options: the account's kind's per-post options as JSON (replaces the tiktok_*
columns, copied by 0008 and dropped by 0009)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0006_channel_models_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="variant",
            name="options",
            field=models.JSONField(blank=True, default=dict, verbose_name="options"),
        ),
    ]
