"""ChannelAccount and AccountGrant (from campaigns), PlatformCredential and AccountState (from
publishing) become the channels app's, with their tables, rows and ids.

The tables were renamed to this app's names by campaigns.0005 and publishing.0007; this
migration only tells Django's model state that the models now live here (no SQL). The
constraints keep their old names: the database has them so.
"""

import django.db.models.deletion
import quartieri.channels.registry
import quartieri.lib.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("campaigns", "0005_channel_tables_renamed"),
        ("publishing", "0007_channel_tables_renamed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ChannelAccount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('platform', models.CharField(choices=quartieri.channels.registry.kind_choices, max_length=20, verbose_name='platform')),
                        ('handle', models.CharField(max_length=200, verbose_name='handle')),
                        ('display_name', models.CharField(blank=True, max_length=200, verbose_name='display name')),
                        ('kind', models.CharField(choices=[('institutional', 'Institutional'), ('personal', 'Personal')], default='institutional', max_length=20, verbose_name='kind')),
                        ('posting_slots', models.JSONField(blank=True, default=list, verbose_name='posting time slots')),
                        ('min_spacing_minutes', models.PositiveIntegerField(default=0, verbose_name='minimum minutes between posts')),
                        ('language', models.CharField(choices=[('it', 'Italian'), ('en', 'English')], default='it', max_length=2, verbose_name='language')),
                        ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='owned_channel_accounts', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                    ],
                    options={
                        'verbose_name': 'channel account',
                        'verbose_name_plural': 'channel accounts',
                        'ordering': ['platform', 'handle'],
                    },
                ),
                migrations.CreateModel(
                    name='AccountState',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('paused_until', models.DateTimeField(blank=True, null=True, verbose_name='paused until')),
                        ('reconnect_needed', models.BooleanField(default=False, verbose_name='reconnect needed')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('quota_usage', models.PositiveIntegerField(blank=True, null=True, verbose_name='posts counted by the platform')),
                        ('quota_total', models.PositiveIntegerField(blank=True, null=True, verbose_name='posts allowed by the platform')),
                        ('quota_read_at', models.DateTimeField(blank=True, null=True, verbose_name='platform quota read at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('account', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='publishing_state', to='channels.channelaccount')),
                    ],
                    options={
                        'verbose_name': 'account publishing state',
                        'verbose_name_plural': 'account publishing states',
                    },
                ),
                migrations.CreateModel(
                    name='AccountGrant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('can_draft', models.BooleanField(default=False, verbose_name='may draft')),
                        ('can_approve', models.BooleanField(default=False, verbose_name='may approve')),
                        ('can_publish', models.BooleanField(default=False, verbose_name='may schedule and publish')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='account_grants', to=settings.AUTH_USER_MODEL)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grants', to='channels.channelaccount')),
                    ],
                    options={
                        'verbose_name': 'account grant',
                        'verbose_name_plural': 'account grants',
                        'ordering': ['account', 'user'],
                    },
                ),
                migrations.CreateModel(
                    name='PlatformCredential',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_id', models.CharField(blank=True, max_length=200, verbose_name='account id on the platform')),
                        ('access_token', quartieri.lib.fields.EncryptedTextField(verbose_name='access token')),
                        ('refresh_token', quartieri.lib.fields.EncryptedTextField(blank=True, default='', verbose_name='refresh token')),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='access token expires')),
                        ('refresh_expires_at', models.DateTimeField(blank=True, null=True, verbose_name='refresh token expires')),
                        ('scopes', models.JSONField(blank=True, default=list, verbose_name='permissions')),
                        ('status', models.CharField(choices=[('ok', 'connected'), ('reconnect_needed', 'reconnect needed')], default='ok', max_length=20, verbose_name='status')),
                        ('status_reason', models.CharField(blank=True, max_length=300, verbose_name='status reason')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('account', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='credential', to='channels.channelaccount', verbose_name='channel account')),
                    ],
                    options={
                        'verbose_name': 'platform credential',
                        'verbose_name_plural': 'platform credentials',
                    },
                ),
                migrations.AddConstraint(
                    model_name='channelaccount',
                    constraint=models.UniqueConstraint(fields=('platform', 'handle'), name='campaigns_account_platform_handle'),
                ),
                migrations.AddConstraint(
                    model_name='channelaccount',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'personal'), _negated=True), ('owner__isnull', False), _connector='OR'), name='campaigns_personal_account_has_owner'),
                ),
                migrations.AddConstraint(
                    model_name='accountgrant',
                    constraint=models.UniqueConstraint(fields=('account', 'user'), name='campaigns_grant_account_user'),
                ),
            ],
        ),
    ]
