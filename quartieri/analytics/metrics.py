"""The catalogue of platform metrics we store: our name for each, its kind and its source.

Each channel kind declares the figures it reports (``ChannelKind.metrics``: (scope, the
platform's metric name) → definition); the connectors ask for exactly these names, and a
test checks that every one of them is catalogued and none is a deprecated name. ``name``
lets a report put TikTok's ``view_count`` next to Instagram's ``views``; the platforms do
not define them identically, which is why ``metric`` and ``source`` are stored too.
"""

from __future__ import annotations

from quartieri.channels.base import MetricDefinition, MetricKind, MetricScope
from quartieri.channels.registry import all_kinds, kind_for

POST = MetricScope.POST
ACCOUNT = MetricScope.ACCOUNT


def catalogue() -> dict[tuple[str, str, str], MetricDefinition]:
    """(kind slug, scope, the platform's name) → definition, for every kind."""
    return {
        (kind.slug, scope, metric): definition
        for kind in all_kinds()
        for (scope, metric), definition in kind.metrics.items()
    }


def metric_definition(*, platform: str, scope: str, metric: str) -> MetricDefinition:
    """The catalogue entry; a name the catalogue lacks is stored as it came, with no source."""
    found = kind_for(platform).metrics.get((MetricScope(scope), metric))
    if found is not None:
        return found
    kind = MetricKind.TOTAL if scope == POST else MetricKind.DAILY
    return MetricDefinition(metric[:50], kind, "")
