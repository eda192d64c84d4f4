"""The tiktok_* columns, copied into Variant.options by 0008, are dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0008_variant_options_from_tiktok_columns"),
    ]

    operations = [
        migrations.RemoveField(model_name="variant", name="tiktok_allow_comment"),
        migrations.RemoveField(model_name="variant", name="tiktok_allow_duet"),
        migrations.RemoveField(model_name="variant", name="tiktok_allow_stitch"),
        migrations.RemoveField(model_name="variant", name="tiktok_privacy_level"),
    ]
