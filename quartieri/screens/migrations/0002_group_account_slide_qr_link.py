import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A display group becomes its screens channel account (one-to-one, filled from
    ``channel_handle`` by 0003, which 0004 then drops); a slide keeps its QR code's tracked
    link."""

    dependencies = [
        ("channels", "0002_content_types_moved"),
        ("screens", "0001_screens_displays_slides_schedules_plays"),
    ]

    operations = [
        migrations.AddField(
            model_name="displaygroup",
            name="account",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="display_group",
                to="channels.channelaccount",
                verbose_name="screens channel account",
            ),
        ),
        migrations.AddField(
            model_name="slide",
            name="qr_link",
            field=models.URLField(
                blank=True, max_length=200, verbose_name="tracked link of the QR code"
            ),
        ),
    ]
