"""The campaign report as a tagged PDF (WeasyPrint), with the charts drawn as SVG."""

from __future__ import annotations

import base64

from django.template.loader import render_to_string
from django.utils import translation

from quartieri.analytics.campaign_report import CampaignReport
from quartieri.analytics.svgcharts import chart_svg
from quartieri.lib.weasy import weasyprint_html


def campaign_report_pdf(report: CampaignReport, *, language: str = "it") -> bytes:
    HTML = weasyprint_html()  # noqa: N806 (the class, under its own name)

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
