"""axe-core in the browser tests: the WCAG 2.1 AA rules every staff and public page meets."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def axe_violations(page: Any) -> list[str]:
    """The WCAG 2.1 AA violations on the page, each with the elements it was found on."""
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
    ]
