"""Every list has its channel account now (0003): the link is required, the handle goes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0003_list_account_from_handle")]

    operations = [
        migrations.AlterField(
            model_name="newsletterlist",
            name="account",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="newsletter_list",
                to="channels.channelaccount",
                verbose_name="channel account",
            ),
        ),
        migrations.RemoveField(model_name="newsletterlist", name="account_handle"),
    ]
