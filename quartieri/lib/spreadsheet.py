"""CSV cells that spreadsheets read as text, never as formulas (CSV injection).

A cell starting with = + - @ (or a tab or carriage return) is taken for a formula by
Excel, LibreOffice and Google Sheets; a leading apostrophe keeps it text. Every export of
people's data or of figures writes its cells through ``safe_cell``.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as a CSV cell: text starting like a formula gets a leading apostrophe.

    Numbers stay numbers (a negative number is data, not a formula).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
