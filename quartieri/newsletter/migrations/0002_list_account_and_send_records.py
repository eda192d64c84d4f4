"""A list becomes its channel account (a one-to-one, filled from ``account_handle`` by
0003 and required by 0004); an issue records the variants it carries, a bounce the issue
that bounced, a batch may name its recipients (a resend of the uncertain ones), and the
ledger has the state ``unconfirmed`` (journal.py)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0009_remove_variant_tiktok_columns"),
        ("channels", "0002_content_types_moved"),
        ("newsletter", "0001_newsletter_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="newsletterlist",
            name="account",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="newsletter_list",
                to="channels.channelaccount",
                verbose_name="channel account",
            ),
        ),
        migrations.AddField(
            model_name="issue",
            name="variants",
            field=models.ManyToManyField(
                blank=True,
                related_name="newsletter_issues",
                to="campaigns.variant",
                verbose_name="variants carried",
            ),
        ),
        migrations.AddField(
            model_name="bounceevent",
            name="issue",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="bounces",
                to="newsletter.issue",
            ),
        ),
        migrations.AddField(
            model_name="sendbatch",
            name="recipients",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="state",
            field=models.CharField(
                choices=[
                    ("reserved", "Handing over"),
                    ("sent", "Sent"),
                    ("unconfirmed", "Sent, reply not read (worker died)"),
                    ("failed", "Failed"),
                    ("uncertain", "Uncertain (worker died)"),
                ],
                default="reserved",
                max_length=12,
            ),
        ),
    ]
