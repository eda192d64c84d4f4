"""CSV cells that spreadsheets will not run as formulas (CSV injection).

A cell starting with = + - @ (or a tab or carriage return) is taken for a formula by
Excel, LibreOffice and Google Sheets; a leading apostrophe keeps it text. Every export of
people's data writes its cells through ``spreadsheet_safe``.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
