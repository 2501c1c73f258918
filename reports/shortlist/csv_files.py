"""The ranking as CSV: the machine file (column names, decimal point) and the French-Excel one
(French headers, rounded figures, shares in percent), both through `connectors.shared.cells`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from connectors.shared import cells
from reports.shortlist.criteria import CRITERIA, CRITERION_KEYS
from reports.shortlist.result import Shortlist

CSV_COLUMNS = [
    "rank",
    "town_code",
    "town_label",
    "departement_code",
    "score",
    *(f"contribution_{k}" for k in CRITERION_KEYS),
    "median_rank",
    "rank_low",
    "rank_high",
    "top_share",
    "concept",
    "concept_rule",
    "selection_step",
    "population",
    "urban_unit_population",
    "is_population_in_band",
    "is_urban_unit_in_band",
    "is_acv",
    "is_acv2",
    "is_territoire_industrie",
    *(ind.column for c in CRITERIA for ind in c.indicators),
    "top_sectors",
    "potential_learners",
    "partner_names",
    "missing_indicators",
]


def write_csv(result: Shortlist, path: Path) -> Path:
    """The ranking as CSV (machine-readable column names, decimal point), written atomically."""
    columns = [c for c in CSV_COLUMNS if c in result.table.columns]
    return cells.write_csv(result.table[columns], path)


# The French-Excel variant: French headers, rounded figures, shares in percent (documented in the
# README, "Outputs"). (column, header, decimals, factor); decimals None: text or whole numbers.
def _fr_columns(top: int) -> list[tuple[str, str, int | None, float]]:
    indicators = [
        (
            ind.column,
            f"{ind.label} (%)" if "%" in ind.number_format else ind.label,
            1 if "%" in ind.number_format else 2,
            100.0 if "%" in ind.number_format else 1.0,
        )
        for c in CRITERIA
        for ind in c.indicators
    ]
    return [
        ("rank", "Rang", None, 1.0),
        ("town_code", "Code INSEE", None, 1.0),
        ("town_label", "Ville", None, 1.0),
        ("departement_code", "Département", None, 1.0),
        ("score", "Score (sur 100)", 1, 1.0),
        *((f"contribution_{c.key}", f"{c.label} (points)", 1, 1.0) for c in CRITERIA),
        ("median_rank", "Rang médian (simulation)", None, 1.0),
        ("rank_low", "Rang : borne basse 90 %", None, 1.0),
        ("rank_high", "Rang : borne haute 90 %", None, 1.0),
        ("top_share", f"Part des tirages dans les {top} premières (%)", 1, 100.0),
        ("concept_label", "Concept recommandé", None, 1.0),
        ("concept_rule", "Règle appliquée", None, 1.0),
        ("selection_step", "Sélection (étape)", None, 1.0),
        ("population", "Population", None, 1.0),
        ("urban_unit_population", "Population de l'unité urbaine", None, 1.0),
        ("is_population_in_band", "Population entre les bornes", None, 1.0),
        ("is_urban_unit_in_band", "Unité urbaine entre les bornes", None, 1.0),
        ("is_acv", "Action Cœur de Ville", None, 1.0),
        ("is_acv2", "ACV 2", None, 1.0),
        ("is_territoire_industrie", "Territoires d'industrie", None, 1.0),
        *indicators,
        ("top_sectors", "Premières filières", None, 1.0),
        ("potential_learners", "Apprenants potentiels par an", 0, 1.0),
        ("partner_names", "Lycées partenaires", None, 1.0),
        ("missing_indicators", "Valeurs manquantes (position neutre)", None, 1.0),
    ]


def french_frame(result: Shortlist) -> pd.DataFrame:
    """The ranking as the French-Excel CSV holds it: French headers, rounded, shares in %."""
    columns = [c for c in _fr_columns(result.top) if c[0] in result.table.columns]
    out = pd.DataFrame(index=result.table.index)
    for key, header, decimals, factor in columns:
        values = result.table[key]
        if decimals is not None:
            values = (values.astype("Float64") * factor).round(decimals)
            if decimals == 0:
                values = values.astype("Int64")
        elif pd.api.types.is_float_dtype(values):
            values = values.round().astype("Int64")  # populations are whole people
        out[header] = values
    return out


def write_csv_fr(result: Shortlist, path: Path) -> Path:
    """The ranking as a French-Excel CSV (`;`, decimal comma, UTF-8 BOM, French headers,
    rounded figures), written atomically beside the machine CSV."""
    return cells.write_csv(french_frame(result), path, excel_fr=True)
