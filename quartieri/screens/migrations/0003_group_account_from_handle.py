"""Each display group that named a screens channel account by handle gets that account.

No link is lost: a handle whose account no longer exists gets its account again (with no
grants: an administrator gives them); when two groups named the same account, the first
(oldest) keeps it and each other one gets an account of its own, ``<handle>-<group id>``,
with the same settings and grants, since an account is now exactly one group. Going back
writes the account's handle into ``channel_handle`` again.
"""

from django.db import migrations

SCREENS = "screens"


def _free_handle(ChannelAccount, wanted):
    handle, n = wanted[:200], 1
    while ChannelAccount.objects.filter(platform=SCREENS, handle=handle).exists():
        n += 1
        handle = f"{wanted[:190]}-{n}"
    return handle


def _copy(apps, original, group):
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    AccountGrant = apps.get_model("channels", "AccountGrant")
    copy = ChannelAccount.objects.create(
        platform=SCREENS,
        handle=_free_handle(ChannelAccount, f"{original.handle}-{group.pk}"),
        display_name=group.name[:200],
        kind=original.kind,
        owner_id=original.owner_id,
        posting_slots=original.posting_slots,
        min_spacing_minutes=original.min_spacing_minutes,
        language=original.language,
    )
    AccountGrant.objects.bulk_create(
        AccountGrant(
            account=copy,
            user_id=grant.user_id,
            can_draft=grant.can_draft,
            can_approve=grant.can_approve,
            can_publish=grant.can_publish,
        )
        for grant in AccountGrant.objects.filter(account=original)
    )
    return copy


def forwards(apps, schema_editor):
    DisplayGroup = apps.get_model("screens", "DisplayGroup")
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    taken = set()
    for group in DisplayGroup.objects.exclude(channel_handle="").order_by("pk"):
        handle = group.channel_handle.strip()
        account = ChannelAccount.objects.filter(platform=SCREENS, handle=handle).first()
        if account is None:
            account = ChannelAccount.objects.create(
                platform=SCREENS, handle=handle, display_name=group.name[:200]
            )
        elif account.pk in taken:
            account = _copy(apps, account, group)
        taken.add(account.pk)
        group.account = account
        group.save(update_fields=["account"])


def backwards(apps, schema_editor):
    DisplayGroup = apps.get_model("screens", "DisplayGroup")
    for group in DisplayGroup.objects.filter(account__isnull=False).select_related("account"):
        group.channel_handle = group.account.handle
        group.save(update_fields=["channel_handle"])


class Migration(migrations.Migration):
    dependencies = [("screens", "0002_group_account_slide_qr_link")]

    operations = [migrations.RunPython(forwards, backwards)]
