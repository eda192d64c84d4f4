"""Each list's channel account, from the handle it named (wave 1 linked them by handle).

Every list keeps its row: a handle with no newsletter account gets one (named after the
list, so a person sees where it came from), since the account is now what holds the
list's grants. Reversible: the handle is written back from the account.
"""

from django.db import migrations

NEWSLETTER = "newsletter"  # the platform slug as stored in this migration's time


def forwards(apps, schema_editor):
    newsletter_list = apps.get_model("newsletter", "NewsletterList")
    channel_account = apps.get_model("channels", "ChannelAccount")
    for row in newsletter_list.objects.filter(account__isnull=True).order_by("pk"):
        account, _created = channel_account.objects.get_or_create(
            platform=NEWSLETTER,
            handle=row.account_handle,
            defaults={"display_name": row.name[:200]},
        )
        row.account = account
        row.save(update_fields=["account"])


def backwards(apps, schema_editor):
    newsletter_list = apps.get_model("newsletter", "NewsletterList")
    for row in newsletter_list.objects.select_related("account"):
        if row.account is not None:
            row.account_handle = row.account.handle
            row.save(update_fields=["account_handle"])


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0002_list_account_and_send_records")]

    operations = [migrations.RunPython(forwards, backwards)]
