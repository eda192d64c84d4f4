"""The campaign report as a tagged PDF (WeasyPrint), with the charts drawn as SVG."""

from __future__ import annotations

import base64
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from quartieri.analytics.campaign_report import CampaignReport
from quartieri.analytics.svgcharts import chart_svg


def _weasyprint_html() -> Any:
    """WeasyPrint's HTML class, imported without its side effect on Pillow.

    Importing ``weasyprint`` sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the whole
    process, after which the upload check of campaigns (``campaigns/media.py``, which
    relies on a truncated picture failing to load) would accept broken pictures in this web
    process. Our reports embed no bitmap, so the flag is put back as it was.
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return HTML


def campaign_report_pdf(report: CampaignReport, *, language: str = "it") -> bytes:
    HTML = _weasyprint_html()  # noqa: N806 (the class, under its own name)

    charts = [
        {
            "chart": chart,
            "table": report.tables[chart.table],
            "src": "data:image/svg+xml;base64,"
            + base64.b64encode(chart_svg(chart).encode()).decode(),
        }
        for chart in report.charts
    ]
    charted = {chart.table for chart in report.charts}
    with translation.override(language):
        html = render_to_string(
            "analytics/report_pdf.html",
            {
                "report": report,
                "charts": charts,
                "other_tables": [t for n, t in report.tables.items() if n not in charted],
                "language": language,
            },
        )
    return bytes(HTML(string=html, base_url=".").write_pdf(pdf_variant="pdf/ua-1"))
