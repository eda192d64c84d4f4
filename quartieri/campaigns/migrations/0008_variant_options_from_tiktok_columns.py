"""Copy each TikTok variant's tiktok_* columns into its options (the TikTok kind's schema:
privacy_level, allow_comment, allow_duet, allow_stitch); other variants keep {}. Reversible:
going back writes the columns from the options again. Batched, so a large table is read a
thousand rows at a time."""

from django.db import migrations

BATCH = 1000
COLUMNS = {
    "privacy_level": "tiktok_privacy_level",
    "allow_comment": "tiktok_allow_comment",
    "allow_duet": "tiktok_allow_duet",
    "allow_stitch": "tiktok_allow_stitch",
}


def _tiktok_variants(apps):
    variant = apps.get_model("campaigns", "Variant")
    return variant.objects.filter(account__platform="tiktok").order_by("pk")


def forwards(apps, schema_editor):
    variant = apps.get_model("campaigns", "Variant")
    rows = _tiktok_variants(apps).only("pk", *COLUMNS.values())
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        row.options = {option: getattr(row, column) for option, column in COLUMNS.items()}
        batch.append(row)
        if len(batch) == BATCH:
            variant.objects.bulk_update(batch, ["options"])
            batch = []
    variant.objects.bulk_update(batch, ["options"])


def backwards(apps, schema_editor):
    variant = apps.get_model("campaigns", "Variant")
    defaults = {"privacy_level": "", "allow_comment": False, "allow_duet": False, "allow_stitch": False}
    batch = []
    for row in _tiktok_variants(apps).only("pk", "options").iterator(chunk_size=BATCH):
        options = {**defaults, **(row.options or {})}
        for option, column in COLUMNS.items():
            setattr(row, column, options[option])
        batch.append(row)
        if len(batch) == BATCH:
            variant.objects.bulk_update(batch, list(COLUMNS.values()))
            batch = []
    variant.objects.bulk_update(batch, list(COLUMNS.values()))


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_variant_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
