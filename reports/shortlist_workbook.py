"""The jury's Excel workbook of the shortlist: a summary sheet, one sheet per criterion (and one for
eligibility), the selected set when one was asked for, and the methodology. Written with openpyxl:
styled and frozen header row, number formats (percent, thousands), column widths, autofilter."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from connectors.cells import safe_text
from reports.shortlist import CRITERIA, Shortlist, methodology

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")

PERCENT = "0.0%"
THOUSANDS = "#,##0"
POINTS = "0.0"
RANK = "0"
SHARE = "0.00"
TEXT = "@"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    number_format: str | None = None
    width: float | None = None  # None: fitted to the content, within limits


def _yes_no(value) -> str:
    return "oui" if bool(value) else "non"


def _summary_columns(result: Shortlist) -> list[Column]:
    columns = [
        Column("Rang", "rank", RANK, 7),
        Column("Code INSEE", "town_code", TEXT, 10),
        Column("Ville", "town_label", None, 24),
        Column("Dép.", "departement_code", TEXT, 6),
        Column("Score (sur 100)", "score", POINTS, 10),
        *(Column(f"{c.label} (points)", f"contribution_{c.key}", POINTS, 14) for c in CRITERIA),
        Column("Rang médian (simulation)", "median_rank", RANK, 11),
        Column("Rang : borne basse 90 %", "rank_low", RANK, 11),
        Column("Rang : borne haute 90 %", "rank_high", RANK, 11),
        Column(f"Part des tirages dans les {result.top} premières", "top_share", PERCENT, 13),
        Column("Concept recommandé", "concept_label", None, 14),
        Column("Règle appliquée", "concept_rule", None, 60),
    ]
    if result.selected is not None:
        columns.append(Column("Sélection (étape)", "selection_step", RANK, 10))
    columns += [
        Column("Population", "population", THOUSANDS, 11),
        Column("Population de l'unité urbaine", "urban_unit_population", THOUSANDS, 13),
        Column("Premières filières", "top_sectors", None, 40),
        Column("Valeurs manquantes (position neutre)", "missing_indicators", None, 30),
        Column("Rapport de la ville", "report_link", None, 16),
    ]
    return columns


def _criterion_columns(criterion) -> list[Column]:
    extra = {
        "higher_education": [
            Column(
                "Places d'enseignement supérieur dans la zone", "higher_education_places", THOUSANDS
            )
        ],
        "skills_gap": [
            Column("Premières filières", "top_sectors", None, 40),
            Column("Codes", "top_sector_codes", None, 18),
        ],
        "audience": [
            Column("Actifs de 15-64 ans de la zone", "catchment_active_population", THOUSANDS),
            Column("Apprenants potentiels par an", "potential_learners", THOUSANDS),
            Column("Seuil de rentabilité", "audience_status", None, 26),
        ],
        "partners": [Column("Lycées partenaires", "partner_names", None, 60)],
        "social_need": [],
    }[criterion.key]
    return [
        Column("Rang", "rank", RANK, 7),
        Column("Code INSEE", "town_code", TEXT, 10),
        Column("Ville", "town_label", None, 24),
        *(Column(i.label, i.column, i.number_format) for i in criterion.indicators),
        *extra,
        *(
            Column(f"{i.label} : valeur normalisée (0-1)", f"{i.column}__norm", SHARE)
            for i in criterion.indicators
        ),
        Column("Valeur du critère (0-1)", f"criterion_{criterion.key}", SHARE, 11),
        Column("Poids", "weight", PERCENT, 8),
        Column("Contribution au score (points)", f"contribution_{criterion.key}", POINTS, 13),
    ]


ELIGIBILITY_COLUMNS = [
    Column("Rang", "rank", RANK, 7),
    Column("Code INSEE", "town_code", TEXT, 10),
    Column("Ville", "town_label", None, 24),
    Column("Population", "population", THOUSANDS, 11),
    Column("Population entre les bornes", "is_population_in_band", None, 12),
    Column("Dans une unité urbaine", "has_urban_unit", None, 12),
    Column("Population de l'unité urbaine", "urban_unit_population", THOUSANDS, 13),
    Column("Unité urbaine entre les bornes", "is_urban_unit_in_band", None, 12),
    Column("Action Cœur de Ville", "is_acv", None, 10),
    Column("ACV 2", "is_acv2", None, 8),
    Column("Territoires d'industrie", "is_territoire_industrie", None, 12),
]
BOOLEAN_KEYS = {
    "is_population_in_band",
    "has_urban_unit",
    "is_urban_unit_in_band",
    "is_acv",
    "is_acv2",
    "is_territoire_industrie",
}

SELECTION_COLUMNS = [
    Column("Étape", "step", RANK, 7),
    Column("Code INSEE", "town_code", TEXT, 10),
    Column("Ville", "town_label", None, 24),
    Column("Rang", "rank", RANK, 7),
    Column("Score (sur 100)", "score", POINTS, 10),
    Column("Part de la zone non encore couverte", "uncovered_share", PERCENT, 13),
    Column("Gain (score × part non couverte)", "gain", POINTS, 13),
    Column("15-64 ans nouvellement couverts", "newly_covered_working_age", THOUSANDS, 14),
]
SKIPPED_COLUMNS = [
    Column("Code INSEE", "town_code", TEXT, 10),
    Column("Ville écartée", "town_label", None, 24),
    Column("Rang", "rank", RANK, 7),
    Column("Score (sur 100)", "score", POINTS, 10),
    Column("Part de la zone déjà couverte", "covered_share", PERCENT, 13),
    Column("Couverte par", "covered_by", None, 60),
]


def _cell_value(value):
    """What a cell holds: None, a number, or text neutralised so that it is never a formula
    (names and labels come from the data; see connectors/cells.py)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars → Python numbers openpyxl writes natively
        value = value.item()
    return safe_text(value)


def write_table(
    ws: Worksheet, frame: pd.DataFrame, columns: list[Column], start_row: int = 1
) -> None:
    """A styled table: header row (bold, filled, wrapped, frozen), formats, widths, autofilter."""
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=start_row, column=j, value=col.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    for i, record in enumerate(frame.to_dict("records"), start=start_row + 1):
        for j, col in enumerate(columns, start=1):
            value = record.get(col.key)
            if col.key in BOOLEAN_KEYS:
                value = _yes_no(value)
            cell = ws.cell(row=i, column=j, value=_cell_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text from the data is a string cell, never a formula
            if col.number_format:
                cell.number_format = col.number_format
            if col.width and col.width >= 40:
                cell.alignment = WRAP
    last_row = start_row + len(frame)
    for j, col in enumerate(columns, start=1):
        letter = get_column_letter(j)
        if col.width:
            width = col.width
        else:
            longest = max(
                (len(str(v)) for v in frame.get(col.key, pd.Series(dtype=object))), default=0
            )
            width = min(max(12, longest + 2, len(col.header) / 2 + 2), 50)
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(row=start_row + 1, column=4 if len(columns) > 4 else 1)
    ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(columns))}{last_row}"
    ws.row_dimensions[start_row].height = 45


def _report_links(ws: Worksheet, frame: pd.DataFrame, columns: list[Column]) -> None:
    """The report column links each town to its page of the report site, relative to the
    workbook (out/shortlist/ → out/site/towns/)."""
    j = next(k for k, c in enumerate(columns, start=1) if c.key == "report_link")
    for i, code in enumerate(frame["town_code"], start=2):
        cell = ws.cell(row=i, column=j)
        cell.hyperlink = f"../site/towns/{code}.html"
        cell.style = "Hyperlink"


def build_workbook(result: Shortlist) -> Workbook:
    wb = Workbook()
    summary = wb.active
    summary.title = "Synthèse"
    table = result.table.assign(report_link="voir le rapport")
    columns = _summary_columns(result)
    write_table(summary, table, columns)
    _report_links(summary, table, columns)
    for criterion, weight in zip(CRITERIA, result.weights, strict=True):
        ws = wb.create_sheet(criterion.sheet)
        write_table(ws, table.assign(weight=weight), _criterion_columns(criterion))
    write_table(wb.create_sheet("Éligibilité"), table, ELIGIBILITY_COLUMNS)
    if result.selected is not None:
        ws = wb.create_sheet("Sélection")
        write_table(ws, result.selected, SELECTION_COLUMNS)
        skipped_at = len(result.selected) + 4
        ws.cell(
            row=skipped_at - 1,
            column=1,
            value="Villes du haut du classement écartées parce qu'une voisine choisie couvre "
            "déjà leur zone",
        ).font = Font(bold=True)
        # A sheet holds one autofilter: the selection table keeps it.
        ref = ws.auto_filter.ref
        write_table(ws, result.skipped, SKIPPED_COLUMNS, start_row=skipped_at)
        ws.auto_filter.ref = ref
        ws.freeze_panes = "A2"
    _methodology_sheet(wb.create_sheet("Méthode"), result)
    return wb


def _methodology_sheet(ws: Worksheet, result: Shortlist) -> None:
    frame = pd.DataFrame(methodology(result), columns=["heading", "text"])
    write_table(
        ws,
        frame,
        [Column("Élément", "heading", None, 30), Column("Description", "text", None, 110)],
    )
    params = pd.DataFrame(sorted(result.params.items()), columns=["name", "value"])
    start = len(frame) + 4
    ws.cell(row=start - 1, column=1, value="Paramètres (GPECT_SHORTLIST_<NOM>)").font = Font(
        bold=True
    )
    ref = ws.auto_filter.ref
    write_table(
        ws,
        params,
        [Column("Paramètre", "name", None, 30), Column("Valeur", "value", "General", 110)],
        start_row=start,
    )
    ws.auto_filter.ref = ref
    ws.freeze_panes = "A2"


def write_workbook(result: Shortlist, path: Path) -> Path:
    """Write the workbook atomically (a reader never sees a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    build_workbook(result).save(tmp)
    os.replace(tmp, path)
    return path
