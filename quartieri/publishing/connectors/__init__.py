"""The connector registry: platform slug -> connector class.

Each platform is a folder next to this file (``client.py`` with the connector, ``errors.py``
with the platform's errors mapped onto ``base``, ``fake.py`` with its local fake server). A
platform joins by adding one line to ``CONNECTORS``; classes are imported on first use so a
platform's dependencies load only when it is used.
"""

from __future__ import annotations

from importlib import import_module

from quartieri.channels.connectors.base import Connector

CONNECTORS: dict[str, str] = {
    "tiktok": "quartieri.publishing.connectors.tiktok.client.TikTokConnector",
    "instagram": "quartieri.publishing.connectors.instagram.client.InstagramConnector",
    "facebook": "quartieri.publishing.connectors.facebook.client.FacebookConnector",
}


class UnknownPlatformError(LookupError):
    pass


def connector_class(slug: str) -> type[Connector]:
    """The connector class for a platform slug; UnknownPlatformError names the valid slugs."""
    try:
        dotted = CONNECTORS[slug]
    except KeyError:
        raise UnknownPlatformError(
            f"unknown platform {slug!r} (known: {', '.join(platform_slugs())})"
        ) from None
    module_name, class_name = dotted.rsplit(".", 1)
    cls: type[Connector] = getattr(import_module(module_name), class_name)
    return cls


def platform_slugs() -> list[str]:
    return sorted(CONNECTORS)
