"""The screens channel sync, called by every worker after each heartbeat (core.workers).

The kind's delivery puts a scheduled slide on its group's playlist at once (channel.py);
this tick brings in what the delivery does not see (a campaign's new dates, a content
item's new title, a campaign that ended). Cheap when nothing changed: a digest of what the
playlists show (channel.fingerprint) and one read of the last fingerprint synced. When it moved, the first worker to swap in the
new fingerprint (compare-and-swap) syncs, in the same transaction; the others do nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from quartieri.screens import channel
from quartieri.screens.models import ContentVersion


def tick(*, now: datetime) -> bool:
    """Sync the screens channel playlists if their variants changed; True when this call did."""
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
