from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0003_account_language_variant_generated_digest'),
    ]

    operations = [
        migrations.AddField(
            model_name='mediaasset',
            name='probe',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name='format read from the file'),
        ),
    ]
