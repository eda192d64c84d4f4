from django.db import migrations


class Migration(migrations.Migration):
    """The group's account (0002, filled by 0003) replaces the handle it was named by."""

    dependencies = [("screens", "0003_group_account_from_handle")]

    operations = [migrations.RemoveField(model_name="displaygroup", name="channel_handle")]
