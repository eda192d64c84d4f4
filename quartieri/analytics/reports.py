"""Reads of what the platform measured itself: links, redirects, page views (roll-ups)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from quartieri.analytics.links import short_url
from quartieri.analytics.tracking import EventKind, Link, Period, Rollup


def link_stats(*, code: str | None = None) -> list[dict[str, Any]]:
    """Every link (or one) with its redirects: ``clicks`` by people (QR scans included),
    ``bots`` apart. Read from the daily roll-ups, which a batch updates in the same
    transaction as it stores the redirects (within ANALYTICS_FLUSH_MS of the answer)."""
    links = Link.objects.select_related("campaign", "neighbourhood").order_by("pk")
    if code:
        links = links.filter(code=code)
    totals: dict[int, dict[str, Any]] = {
        row["link_id"]: dict(row)
        for row in Rollup.objects.filter(
            period=Period.DAY, kind__in=[EventKind.CLICK, EventKind.SCAN]
        )
        .values("link_id")
        .annotate(clicks=Sum("count"), bots=Sum("bots"), simulated=Sum("simulated"))
    }
    rows = []
    for link in links:
        total = totals.get(link.pk, {})
        rows.append(
            {
                "code": link.code,
                "url": short_url(link),
                "target": link.target,
                "channel": link.channel,
                "medium": link.medium,
                "neighbourhood": link.neighbourhood.slug if link.neighbourhood else None,
                "campaign": link.campaign.slug if link.campaign else None,
                "placement": link.placement,
                "clicks": int(total.get("clicks") or 0),
                "bots": int(total.get("bots") or 0),
                "simulated": int(total.get("simulated") or 0),
                "deleted": link.deleted_at is not None,
            }
        )
    return rows
