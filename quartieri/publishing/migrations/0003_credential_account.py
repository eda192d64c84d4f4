"""Credentials become owned by channel accounts (step 1 of 3: schema, nullable).

The platform+handle unique constraint goes first so that, when this is reversed after
0005, the constraint comes back only once 0004 has refilled platform and handle.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0001_campaigns_channels_variants"),
        ("publishing", "0002_outbox"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="platformcredential",
            name="publishing_credential_platform_handle",
        ),
        migrations.AddField(
            model_name="platformcredential",
            name="account",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="credential",
                to="campaigns.channelaccount",
                verbose_name="channel account",
            ),
        ),
    ]
