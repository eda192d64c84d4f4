"""Where a slide's QR code points: a tracked short link per slide (issue 17, contract 3).

``analytics.links.link_for`` makes the link once per (target, channel, neighbourhood,
campaign, placement); the placement is ``slide-<id>``, so the scans of each slide are
counted apart. The link is made when a slide is saved and kept on it (``Slide.qr_link``),
so drawing a slide for a display asks the analytics tables nothing.
"""

from __future__ import annotations

import logging

from quartieri.analytics.links import LinkError, link_for
from quartieri.channels.registry import Platform
from quartieri.screens.models import Slide

logger = logging.getLogger(__name__)


def slide_link(slide: Slide) -> str:
    """The tracked link for the slide's ``qr_target`` ("" without one); ``LinkError``
    names why a target is refused (outside the allowed destinations, no host …)."""
    if not slide.qr_target:
        return ""
    return link_for(
        target=slide.qr_target,
        channel=Platform.SCREENS.value,
        neighbourhood=slide.neighbourhood.slug if slide.neighbourhood else None,
        campaign=slide.campaign.slug if slide.campaign else None,
        placement=f"slide-{slide.pk}",
    )


def slide_link_store(slide: Slide) -> None:
    """Make (or find again) the slide's link and keep it on the saved slide."""
    link = slide_link(slide)
    if link != slide.qr_link:
        slide.qr_link = link
        Slide.objects.filter(pk=slide.pk).update(qr_link=link)


def shown_link(slide: Slide) -> str:
    """The link a drawn slide shows. A slide saved before links were kept gets its link
    now; one whose target is no longer allowed is drawn without a QR code (logged)."""
    if not slide.qr_target or slide.qr_link:
        return slide.qr_link if slide.qr_target else ""
    try:
        slide_link_store(slide)
    except LinkError as error:
        logger.warning("screens: slide %s drawn without its QR code: %s", slide.pk, error)
        return ""
    return slide.qr_link
