"""The content types of the moved models follow them to the channels app, so the admin's
history and the permissions granted on them stay attached (a fresh database has none yet:
they are created after migrating). Audit events keep the label they were written with."""

from django.db import migrations

MOVED = [
    ("campaigns", "channelaccount"),
    ("campaigns", "accountgrant"),
    ("publishing", "platformcredential"),
    ("publishing", "accountstate"),
]


def _move(apps, from_label_of, to_label_of):
    content_type = apps.get_model("contenttypes", "ContentType")
    for old_app, model in MOVED:
        source, target = from_label_of(old_app), to_label_of(old_app)
        if content_type.objects.filter(app_label=target, model=model).exists():
            continue
        content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _move(apps, lambda old: old, lambda old: "channels")


def backwards(apps, schema_editor):
    _move(apps, lambda old: "channels", lambda old: old)


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0001_channel_models_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
