"""Credentials become owned by channel accounts (step 3 of 3: schema, required).

Platform and handle now live only on the account: a copy here could drift from it.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("publishing", "0004_credential_account_backfill")]

    operations = [
        migrations.AlterField(
            model_name="platformcredential",
            name="account",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="credential",
                to="campaigns.channelaccount",
                verbose_name="channel account",
            ),
        ),
        # A default first, so that reversing this migration can add the columns back to a
        # table that has rows (0004's reverse then fills them from the accounts).
        migrations.AlterField(
            model_name="platformcredential",
            name="platform",
            field=models.CharField(default="", max_length=32, verbose_name="platform"),
        ),
        migrations.AlterField(
            model_name="platformcredential",
            name="handle",
            field=models.CharField(default="", max_length=200, verbose_name="account"),
        ),
        migrations.RemoveField(model_name="platformcredential", name="handle"),
        migrations.RemoveField(model_name="platformcredential", name="platform"),
    ]
