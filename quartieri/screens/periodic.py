"""The screens channel sync, called by every worker after each heartbeat (core.workers).

The kind's delivery puts a scheduled slide on its group's playlist at once (channel.py);
this tick brings in what the delivery does not see (a campaign's new dates, a content
item's new title, a campaign that ended). Cheap when nothing changed: a digest of what the
playlists show (channel.fingerprint) and one read of the last fingerprint synced. When it moved, the first worker to swap in the
new fingerprint (compare-and-swap) syncs, in the same transaction; the others do nothing.
The digest reads every live variant, so each process takes it at most once a minute
(as ``minisites.periodic`` does), not after every heartbeat.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.db import transaction

from quartieri.screens import channel
from quartieri.screens.models import ContentVersion

EVERY_SECONDS = 60
_last_look: list[float] = []  # when this process last looked (monotonic seconds)


def tick(*, now: datetime) -> bool:
    """Sync the screens channel playlists if their variants changed; True when this call did."""
    if _last_look and time.monotonic() - _last_look[0] < EVERY_SECONDS:
        return False
    _last_look[:] = [time.monotonic()]
    current = channel.fingerprint(now=now)
    synced = (
        ContentVersion.objects.filter(pk=1).values_list("variants_fingerprint", flat=True).first()
    )
    if synced == current:
        return False
    with transaction.atomic():
        if synced is None:
            ContentVersion.objects.get_or_create(pk=1)
            synced = ""
        claimed = ContentVersion.objects.filter(pk=1, variants_fingerprint=synced).update(
            variants_fingerprint=current
        )
        if not claimed:
            return False  # another worker got there first
        channel.variants_sync(now=now)
    return True
