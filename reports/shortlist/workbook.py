"""The jury's Excel workbook of the shortlist: the weights, a summary sheet, one sheet per criterion
(and one for eligibility), the selected set when one was asked for, and the methodology.

The score is live: the "Poids" sheet holds the five criterion weights (named cells `poids_<key>`,
normalised to sum to 1 by formula) and every contribution is the formula
`=100*poids_<key>*<criterion value>`, the score their sum and a second rank `=RANK(...)`, so a jury
member sees how a score is made and changes it by typing a weight. These formulas are gpect's
own, written from this module's templates; every text cell coming from the data is a string cell,
neutralised by `connectors.shared.cells.safe_text`. Each block is an Excel table; every sheet prints
landscape, one page wide, its header row repeated, with a title and a page footer.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from connectors.shared.cells import safe_text
from connectors.shared.files import write_with
from connectors.shared.names import fold
from reports.shortlist.criteria import CRITERIA
from reports.shortlist.methodology import methodology
from reports.shortlist.result import Shortlist

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
    # gpect's own formula for the cell of a row: given the row number and a function giving the
    # letter of another column by key, the formula text (`=...`). None: the value of `key`.
    formula: Callable[[int, Callable[[str], str]], str] | None = None


WEIGHTS_SHEET = "Poids"


def weight_name(key: str) -> str:
    """The workbook name of a criterion's normalised weight (a cell of the Poids sheet)."""
    return f"poids_{key}"


def _contribution(key: str) -> Callable[[int, Callable[[str], str]], str]:
    return lambda row, col: f"=100*{weight_name(key)}*{col(f'criterion_{key}')}{row}"


def _score(row: int, col: Callable[[str], str]) -> str:
    return "=" + "+".join(f"{col(f'contribution_{c.key}')}{row}" for c in CRITERIA)


def _live_rank(last_row: int) -> Callable[[int, Callable[[str], str]], str]:
    def formula(row: int, col: Callable[[str], str]) -> str:
        score = col("score")
        return f"=RANK({score}{row},${score}$2:${score}${last_row})"

    return formula


def _yes_no(value) -> str:
    return "oui" if bool(value) else "non"


def _summary_columns(result: Shortlist) -> list[Column]:
    last_row = len(result.table) + 1
    columns = [
        Column("Rang", "rank", RANK, 7),
        Column("Code INSEE", "town_code", TEXT, 10),
        Column("Ville", "town_label", None, 24),
        Column("Dép.", "departement_code", TEXT, 6),
        Column("Score (sur 100)", "score", POINTS, 10, _score),
        Column(
            "Rang selon les poids de la feuille Poids", "live_rank", RANK, 11, _live_rank(last_row)
        ),
        *(
            Column(f"{c.label} (points)", f"contribution_{c.key}", POINTS, 14, _contribution(c.key))
            for c in CRITERIA
        ),
        *(Column(f"{c.label} : valeur (0-1)", f"criterion_{c.key}", SHARE, 12) for c in CRITERIA),
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
        Column("Poids", "weight", PERCENT, 8, lambda row, col: f"={weight_name(criterion.key)}"),
        Column(
            "Contribution au score (points)",
            f"contribution_{criterion.key}",
            POINTS,
            13,
            lambda row, col: f"=100*{col('weight')}{row}*{col(f'criterion_{criterion.key}')}{row}",
        ),
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
    (names and labels come from the data; see connectors/shared/cells.py)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars → Python numbers openpyxl writes natively
        value = value.item()
    return safe_text(value)


def _table_name(ws: Worksheet, start_row: int) -> str:
    """An Excel table name (letters, digits, underscores) from the sheet's title."""
    return f"T_{fold(ws.title).replace(' ', '_')}_{start_row}"


def write_table(
    ws: Worksheet, frame: pd.DataFrame, columns: list[Column], start_row: int = 1
) -> None:
    """A styled Excel table: header row (bold, filled, wrapped, frozen), formats, widths, filter
    buttons; formula columns get gpect's formula per row."""
    letters = {col.key: get_column_letter(j) for j, col in enumerate(columns, start=1)}
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=start_row, column=j, value=col.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    for i, record in enumerate(frame.to_dict("records"), start=start_row + 1):
        for j, col in enumerate(columns, start=1):
            if col.formula is not None:
                cell = ws.cell(row=i, column=j, value=col.formula(i, letters.__getitem__))
                if col.number_format:
                    cell.number_format = col.number_format
                continue
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
    if start_row == 1:
        ws.freeze_panes = ws.cell(row=start_row + 1, column=4 if len(columns) > 4 else 1)
    # An empty table (no skipped town) would be a header without rows: Excel refuses those.
    last_row = max(last_row, start_row + 1)
    ref = f"A{start_row}:{get_column_letter(len(columns))}{last_row}"
    table = Table(displayName=_table_name(ws, start_row), ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    ws.row_dimensions[start_row].height = 45


def _report_links(
    ws: Worksheet, frame: pd.DataFrame, columns: list[Column], site_url: str | None
) -> None:
    """The report column links each town to its page of the report site: absolute under
    `site_url` (GPECT_SITE_URL, where the site is published), so that the link still works in a
    workbook sent by e-mail; otherwise relative to the workbook (out/shortlist/ →
    out/site/towns/), which works inside data/out/ or the zip of `write_bundle`."""
    j = next(k for k, c in enumerate(columns, start=1) if c.key == "report_link")
    base = f"{site_url.rstrip('/')}/" if site_url else "../site/"
    for i, code in enumerate(frame["town_code"], start=2):
        cell = ws.cell(row=i, column=j)
        cell.hyperlink = f"{base}towns/{code}.html"
        cell.style = "Hyperlink"


TITLE = "Présélection des villes candidates à un centre de formation"


def _weights_sheet(wb: Workbook, result: Shortlist) -> None:
    """The criterion weights as typed (gpect's settings) and normalised to sum to 1: the named
    cells every score formula reads."""
    ws = wb.create_sheet(WEIGHTS_SHEET, 0)
    frame = pd.DataFrame(
        {
            "label": [c.label for c in CRITERIA],
            "setting": [f"GPECT_SHORTLIST_WEIGHT_{c.key.upper()}" for c in CRITERIA],
            "typed": [result.params[f"weight_{c.key}"] for c in CRITERIA],
        }
    )
    last = len(CRITERIA) + 1
    columns = [
        Column("Critère", "label", None, 40),
        Column("Paramètre gpect", "setting", None, 40),
        Column("Poids saisi (modifiable)", "typed", "0.00", 14),
        Column(
            "Poids normalisé (somme = 100 %)",
            "normalised",
            PERCENT,
            16,
            lambda row, col: f"={col('typed')}{row}/SUM(${col('typed')}$2:${col('typed')}${last})",
        ),
    ]
    write_table(ws, frame, columns)
    for row, criterion in enumerate(CRITERIA, start=2):
        ref = f"'{WEIGHTS_SHEET}'!$D${row}"
        wb.defined_names[weight_name(criterion.key)] = DefinedName(
            weight_name(criterion.key), attr_text=ref
        )
        ws.cell(row=row, column=3).font = Font(bold=True, color="1F4E79")
    note = last + 2
    ws.cell(
        row=note,
        column=1,
        value="Changer un poids saisi recalcule les points, le score et le « rang selon les "
        "poids » de la feuille Synthèse et des feuilles des critères. Le rang publié, les "
        "intervalles et la sélection restent ceux calculés par gpect avec les poids de ses "
        "paramètres.",
    ).alignment = WRAP
    ws.merge_cells(start_row=note, start_column=1, end_row=note, end_column=4)
    ws.row_dimensions[note].height = 60


def _print_setup(ws: Worksheet, result: Shortlist) -> None:
    """Landscape, one page wide, the header row on every page, a title and a page footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    ws.oddHeader.center.text = f"&B{TITLE} — {ws.title}"
    ws.oddFooter.left.text = f"gpect, entrepôt du {result.built_at[:16]}"
    ws.oddFooter.right.text = "Page &P / &N"


def build_workbook(result: Shortlist, site_url: str | None = None) -> Workbook:
    wb = Workbook()
    summary = wb.active
    summary.title = "Synthèse"
    _weights_sheet(wb, result)
    wb.active = 1  # opens on the summary; the weights sheet comes first, where they are read
    table = result.table.assign(report_link="voir le rapport")
    columns = _summary_columns(result)
    write_table(summary, table, columns)
    _report_links(summary, table, columns, site_url)
    for criterion in CRITERIA:
        ws = wb.create_sheet(criterion.sheet)
        write_table(ws, table, _criterion_columns(criterion))
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
        write_table(ws, result.skipped, SKIPPED_COLUMNS, start_row=skipped_at)
        ws.freeze_panes = "A2"
    _methodology_sheet(wb.create_sheet("Méthode"), result)
    for ws in wb.worksheets:
        _print_setup(ws, result)
    # Excel recomputes every formula when it opens the file (openpyxl stores no cached values).
    wb.calculation.fullCalcOnLoad = True
    props = wb.properties
    props.title = TITLE
    props.subject = f"Classement de {len(result.table)} villes candidates (critères pondérés)"
    props.creator = "gpect"
    props.keywords = "GPECT; présélection; formation; villes candidates"
    props.description = (
        f"Généré par gpect à partir de l'entrepôt construit le {result.built_at[:16]} ; "
        f"{result.monte_carlo.draws} tirages Monte Carlo."
    )
    props.language = "fr-FR"
    props.created = props.modified = datetime.now(UTC).replace(tzinfo=None)
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
    write_table(
        ws,
        params,
        [Column("Paramètre", "name", None, 30), Column("Valeur", "value", "General", 110)],
        start_row=start,
    )
    ws.freeze_panes = "A2"


def write_workbook(result: Shortlist, path: Path, site_url: str | None = None) -> Path:
    """Write the workbook atomically (a reader never sees a half-written file)."""
    return write_with(path, build_workbook(result, site_url).save)


def write_bundle(out_dir: Path, path: Path) -> Path:
    """One zip holding `shortlist/` and `site/` of `out_dir` side by side, so that the workbook's
    relative links to the town pages work wherever the zip is unpacked (written atomically)."""

    def write_zip(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for folder in ("shortlist", "site"):
                for file in sorted((out_dir / folder).rglob("*")):
                    # Dot files are gpect's freshness records and work files, not outputs.
                    if file.is_file() and not file.name.startswith("."):
                        zf.write(file, file.relative_to(out_dir).as_posix())

    return write_with(path, write_zip)
