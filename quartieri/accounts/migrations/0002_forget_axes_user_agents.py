"""Blank the user agents and Accept headers django-axes stored before we stopped it.

Axes' login attempts are unique per (username, address, user agent): once the agent is
blank, one client's rows would collide, so they are merged first (failures summed, the
latest row kept) and the lockout counts them as before. Addresses were pseudonyms from the
start (quartieri.accounts.privacy) and stay as they are.
"""

from collections import defaultdict

from django.db import migrations


def forget_user_agents(apps, schema_editor):
    AccessAttempt = apps.get_model("axes", "AccessAttempt")
    groups = defaultdict(list)
    for attempt in AccessAttempt.objects.order_by("-attempt_time", "-pk"):
        groups[(attempt.username, attempt.ip_address)].append(attempt)
    for keep, *others in groups.values():
        if others:
            keep.failures_since_start = sum(a.failures_since_start for a in [keep, *others])
            AccessAttempt.objects.filter(pk__in=[a.pk for a in others]).delete()
        keep.user_agent = ""
        keep.http_accept = ""
        keep.save(update_fields=["user_agent", "http_accept", "failures_since_start"])
    for name in ("AccessLog", "AccessFailureLog"):
        apps.get_model("axes", name).objects.update(user_agent="", http_accept="")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forget_user_agents, migrations.RunPython.noop)]
