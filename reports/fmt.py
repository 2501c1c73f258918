"""French number formatting for reports: thousands separated by a no-break space, decimal comma,
and missing values written as such (never as 0)."""

from __future__ import annotations

from collections import namedtuple
from functools import cache

import numpy as np
import pandas as pd

NBSP = "\u00a0"
MISSING = "n.d."

# Région codes of INSEE's Code officiel géographique (unchanged since 2016).
REGIONS = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}

LEVEL_LABELS = {
    3: "niveau 3 (CAP)",
    4: "niveau 4 (bac pro)",
    5: "niveau 5 (bac+2, BTS)",
    6: "niveau 6 (bac+3, licence)",
}


def is_missing(value) -> bool:
    """None, NaN and pandas.NA (what DuckDB's NULL becomes in a data frame); a list (DuckDB's
    LIST arrives as a numpy array) is a value, even when empty."""
    if value is None:
        return True
    if isinstance(value, str | list | tuple | np.ndarray):
        return False
    return bool(pd.isna(value))


@cache
def _row_type(columns: tuple[str, ...]):
    return namedtuple("Row", columns, rename=True)


def rows(frame: pd.DataFrame) -> list:
    """The frame's rows as named tuples (like `itertuples(index=False)`, which pandas 3 makes
    ~20 times slower: it was a third of a page's time)."""
    make = _row_type(tuple(frame.columns))
    return [
        make(*values) for values in zip(*(frame[c].tolist() for c in frame.columns), strict=True)
    ]


def value_or(value, default):
    """The value, or `default` where it is missing (for sorting, never for showing)."""
    return default if is_missing(value) else value


def number(value, digits: int = 0) -> str:
    """1234.5 → '1 234,5' (digits after the comma); missing → 'n.d.'."""
    if is_missing(value):
        return MISSING
    # -0.001 shown with two digits is 0, not "-0,00".
    value = float(value) if round(float(value), digits) != 0 else 0.0
    text = f"{value:,.{digits}f}"
    return text.replace(",", NBSP).replace(".", ",")


def shortest(value) -> str:
    """The decimals a setting has, none added: 1.3 → '1,3', 30.0 → '30', 12500 → '12 500'."""
    if is_missing(value):
        return MISSING
    digits = next((d for d in range(6) if round(float(value), d) == float(value)), 6)
    return number(value, digits)


def percent(share, digits: int = 0) -> str:
    """A share in [0, 1] → '12 %'."""
    if is_missing(share):
        return MISSING
    return f"{number(100 * float(share), digits)}{NBSP}%"


def euros(value) -> str:
    if is_missing(value):
        return MISSING
    return f"{number(value)}{NBSP}€"


def minutes(value) -> str:
    if is_missing(value):
        return MISSING
    return f"{number(value)}{NBSP}min"


def level(value) -> str:
    if is_missing(value):
        return MISSING
    return LEVEL_LABELS.get(int(value), f"niveau {int(value)}")


def year(value) -> str:
    if is_missing(value):
        return MISSING
    return str(int(value))


def tension(value) -> str:
    """Official tension class, 1 (low) to 5 (very high)."""
    if is_missing(value):
        return MISSING
    return f"{int(value)}/5"


FILTERS = {
    "num": number,
    "pct": percent,
    "eur": euros,
    "minutes": minutes,
    "level": level,
}
