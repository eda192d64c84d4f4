"""The platform's own count of an account's posts against its daily limit (Instagram's
content_publishing_limit), kept on the account's publishing state for the health page.

Nullable columns only: reversing drops them, and nothing else depends on them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("publishing", "0005_credential_account_required")]

    operations = [
        migrations.AddField(
            model_name="accountstate",
            name="quota_usage",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="posts counted by the platform"
            ),
        ),
        migrations.AddField(
            model_name="accountstate",
            name="quota_total",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="posts allowed by the platform"
            ),
        ),
        migrations.AddField(
            model_name="accountstate",
            name="quota_read_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="platform quota read at"
            ),
        ),
    ]
