"""The shortlist's outputs on hand-made inputs: the Excel workbook (sheets, columns, formats, as
openpyxl reads them back), the CSV, the site page (links, escaping), the `gpect shortlist` command
on a small warehouse, and the two shortlist marts (SQL given/expect)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from shortlist_synthetic import four_towns, small_warehouse
from sqlkit import run_model
from typer.testing import CliRunner

from flows.pipeline.settings import SHORTLIST_DEFAULTS
from reports import shortlist as sl
from reports.shortlist import concepts as concepts_mod
from reports.shortlist import csv_files
from reports.shortlist.page import render, write_page
from reports.shortlist.workbook import write_workbook

CRITERION_SHEETS = [c.sheet for c in sl.CRITERIA]


@pytest.fixture(scope="module")
def result() -> sl.Shortlist:
    return sl.make_shortlist(four_towns(), dict(SHORTLIST_DEFAULTS), select=2, draws=200, top=2)


def headers(ws) -> list[str]:
    return [c.value for c in ws[1]]


def column_of(ws, header: str) -> int:
    return headers(ws).index(header) + 1


def test_workbook_has_the_expected_sheets_columns_and_formats(result, tmp_path):
    path = write_workbook(result, tmp_path / "shortlist.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Poids",
        "Synthèse",
        *CRITERION_SHEETS,
        "Éligibilité",
        "Sélection",
        "Méthode",
    ]
    summary = wb["Synthèse"]
    head = headers(summary)
    assert head[:5] == ["Rang", "Code INSEE", "Ville", "Dép.", "Score (sur 100)"]
    for c in sl.CRITERIA:
        assert f"{c.label} (points)" in head
    assert summary.max_row == 1 + 4
    # rows in rank order, the codes kept as text
    assert [summary.cell(row=r, column=1).value for r in range(2, 6)] == [1, 2, 3, 4]
    assert {summary.cell(row=r, column=2).value for r in range(2, 6)} == {
        "11001",
        "11002",
        "22003",
        "33004",
    }
    share = column_of(summary, "Part des tirages dans les 2 premières")
    assert summary.cell(row=2, column=share).number_format == "0.0%"
    assert summary.cell(row=2, column=column_of(summary, "Population")).number_format == "#,##0"
    assert summary.cell(row=2, column=5).number_format == "0.0"
    assert summary["A1"].font.bold and summary["A1"].fill.fgColor.rgb.endswith("1F4E79")
    assert summary.freeze_panes == "D2"
    (table,) = summary.tables.values()
    assert table.ref == f"A1:{summary.cell(row=5, column=len(head)).coordinate}"
    assert summary.column_dimensions["C"].width == 24
    link = summary.cell(row=2, column=column_of(summary, "Rapport de la ville"))
    code = summary.cell(row=2, column=2).value
    assert link.hyperlink.target == f"../site/towns/{code}.html"

    social = wb["Besoins sociaux"]
    assert headers(social)[3:6] == [
        "Taux de chômage",
        "Demandeurs d'emploi par habitant de 15-64 ans",
        "Niveau de vie médian (€)",
    ]
    assert social.cell(row=2, column=4).number_format == "0.0%"
    assert social.cell(row=2, column=column_of(social, "Poids")).value == "=poids_social_need"
    assert social.freeze_panes == "D2" and list(social.tables.values())[0].ref.startswith("A1:")
    eligibility = wb["Éligibilité"]
    flags = {
        eligibility.cell(row=r, column=2).value: eligibility.cell(row=r, column=5).value
        for r in range(2, 6)
    }
    assert flags["33004"] == "non" and flags["11001"] == "oui"  # 9 000 inhabitants < 10 000
    method = wb["Méthode"]
    assert method["A2"].value == "Objet"
    assert any(
        method.cell(row=r, column=1).value == "draws" and method.cell(row=r, column=2).value == 200
        for r in range(1, method.max_row + 1)
    )


def test_scores_are_live_formulas_of_the_weights_sheet(result, tmp_path):
    """Score = Σ contribution, contribution = 100 × named weight × criterion value, the weight
    normalised on the Poids sheet; evaluated here by hand from the cells openpyxl reads back."""
    wb = load_workbook(write_workbook(result, tmp_path / "s.xlsx"))
    weights = wb["Poids"]
    assert headers(weights)[:4] == [
        "Critère",
        "Paramètre gpect",
        "Poids saisi (modifiable)",
        "Poids normalisé (somme = 100 %)",
    ]
    typed = [weights.cell(row=r, column=3).value for r in range(2, 7)]
    assert typed == [result.params[f"weight_{c.key}"] for c in sl.CRITERIA]
    assert weights["D2"].value == "=C2/SUM($C$2:$C$6)"
    named = {c.key: wb.defined_names[f"poids_{c.key}"].attr_text for c in sl.CRITERIA}
    assert named == {c.key: f"'Poids'!$D${r}" for r, c in enumerate(sl.CRITERIA, start=2)}
    normalised = {c.key: t / sum(typed) for c, t in zip(sl.CRITERIA, typed, strict=True)}

    ws = wb["Synthèse"]
    score_col = ws.cell(row=1, column=5).column_letter
    for r in range(2, 6):
        contributions = []
        for c in sl.CRITERIA:
            formula = ws.cell(row=r, column=column_of(ws, f"{c.label} (points)")).value
            value_cell = ws.cell(row=r, column=column_of(ws, f"{c.label} : valeur (0-1)"))
            assert formula == f"=100*poids_{c.key}*{value_cell.coordinate}"
            contributions.append(100 * normalised[c.key] * value_cell.value)
            assert isinstance(value_cell.value, int | float)
        letters = [
            ws.cell(row=r, column=column_of(ws, f"{c.label} (points)")).column_letter
            for c in sl.CRITERIA
        ]
        assert ws.cell(row=r, column=5).value == "=" + "+".join(f"{x}{r}" for x in letters)
        assert sum(contributions) == pytest.approx(result.table.at[r - 2, "score"])
        rank = ws.cell(row=r, column=column_of(ws, "Rang selon les poids de la feuille Poids"))
        assert rank.value == f"=RANK({score_col}{r},${score_col}$2:${score_col}$5)"
    social = wb["Besoins sociaux"]
    w, v = column_of(social, "Poids"), column_of(social, "Valeur du critère (0-1)")
    points = social.cell(row=2, column=column_of(social, "Contribution au score (points)"))
    assert points.value == (
        f"=100*{social.cell(row=2, column=w).coordinate}*{social.cell(row=2, column=v).coordinate}"
    )


def test_every_sheet_is_a_table_that_prints_landscape_one_page_wide(result, tmp_path):
    wb = load_workbook(write_workbook(result, tmp_path / "s.xlsx"))
    names = []
    for ws in wb.worksheets:
        assert ws.tables, ws.title
        names += list(ws.tables)
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$1"
        assert (
            ws.print_area
            == f"'{ws.title}'!$A$1:${ws.cell(row=1, column=ws.max_column).column_letter}${ws.max_row}"
        )
        assert ws.title in ws.oddHeader.center.text
        assert ws.oddFooter.right.text == "Page &P / &N"
    assert len(names) == len(set(names)) == len(wb.worksheets) + 2  # Sélection and Méthode hold two
    assert wb.properties.title.startswith("Présélection des villes candidates")
    assert wb.properties.creator == "gpect" and wb.properties.language == "fr-FR"
    assert "2026-01-01 00:00" in wb.properties.description
    assert wb.calculation.fullCalcOnLoad


def test_french_excel_csv_is_the_documented_dialect_of_the_machine_csv(result, tmp_path):
    """`;`, UTF-8 BOM, decimal comma, French headers, figures rounded, shares in %, oui/non: the
    same rows as the machine CSV, read back with the dialect the README documents."""
    machine = pd.read_csv(
        sl.write_csv(result, tmp_path / "shortlist.csv"), dtype={"town_code": str}
    )
    path = sl.write_csv_fr(result, tmp_path / "shortlist_excel_fr.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfRang;Code INSEE;Ville;")
    assert b"\r\n" in raw
    french = pd.read_csv(
        path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code INSEE": str}
    )
    expected = [
        header for key, header, *_ in csv_files._fr_columns(result.top) if key in result.table
    ]
    assert list(french.columns) == expected
    assert french["Code INSEE"].tolist() == machine["town_code"].tolist()
    assert french["Score (sur 100)"].tolist() == machine["score"].round(1).tolist()
    share = "Part des tirages dans les 2 premières (%)"
    assert french[share].tolist() == (100 * machine["top_share"]).round(1).tolist()
    assert french["Taux de chômage (%)"].tolist() == pytest.approx(
        (100 * machine["unemployment_rate"]).round(1).tolist()
    )
    assert set(french["Action Cœur de Ville"]) <= {"oui", "non"}
    assert french["Population"].dtype.kind == "i"
    # the machine CSV keeps full precision, a decimal point and true/false
    assert set(machine["is_acv"]) <= {True, False}
    machine_text = (tmp_path / "shortlist.csv").read_text(encoding="utf-8")
    assert ",true," in machine_text and "True" not in machine_text
    decimals = french["Score (sur 100)"].map(lambda v: len(f"{v}".split(".")[-1]))
    assert decimals.max() == 1


def test_report_links_are_absolute_under_the_site_url(result, tmp_path):
    wb = load_workbook(
        write_workbook(result, tmp_path / "s.xlsx", site_url="https://gpect.example.org/site/")
    )
    ws = wb["Synthèse"]
    link = ws.cell(row=2, column=column_of(ws, "Rapport de la ville"))
    code = ws.cell(row=2, column=2).value
    assert link.hyperlink.target == f"https://gpect.example.org/site/towns/{code}.html"


def test_the_bundle_carries_workbook_and_site_so_relative_links_resolve(result, tmp_path):
    import zipfile

    from reports.shortlist.workbook import write_bundle

    out = tmp_path / "out"
    write_workbook(result, out / "shortlist" / "shortlist.xlsx")
    (out / "site" / "towns").mkdir(parents=True)
    for code in result.table["town_code"]:
        (out / "site" / "towns" / f"{code}.html").write_text("<p>ok</p>")
    (out / "shortlist" / ".shortlist.csv.inputs.json").write_text("{}")
    bundle = write_bundle(out, tmp_path / "b.zip")
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        z.extractall(tmp_path / "unpacked")
    assert "shortlist/.shortlist.csv.inputs.json" not in names
    book = tmp_path / "unpacked" / "shortlist" / "shortlist.xlsx"
    ws = load_workbook(book)["Synthèse"]
    for r in range(2, 6):
        target = ws.cell(row=r, column=column_of(ws, "Rapport de la ville")).hyperlink.target
        assert (book.parent / target).resolve().is_file(), target


def test_selection_sheet_lists_picks_and_skipped_neighbours(tmp_path):
    inputs = four_towns()
    result = sl.make_shortlist(inputs, dict(SHORTLIST_DEFAULTS), select=2, draws=50)
    ws = load_workbook(write_workbook(result, tmp_path / "s.xlsx"))["Sélection"]
    picks = [ws.cell(row=r, column=2).value for r in (2, 3)]
    assert picks == result.selected["town_code"].tolist()
    assert ws.cell(row=5, column=1).value.startswith("Villes du haut du classement écartées")
    assert headers(ws) == [
        "Étape",
        "Code INSEE",
        "Ville",
        "Rang",
        "Score (sur 100)",
        "Part de la zone non encore couverte",
        "Gain (score × part non couverte)",
        "15-64 ans nouvellement couverts",
    ]


def test_csv_keeps_codes_and_every_column(result, tmp_path):
    path = sl.write_csv(result, tmp_path / "out" / "shortlist.csv")
    back = pd.read_csv(path, dtype={"town_code": str})
    assert back["rank"].tolist() == [1, 2, 3, 4]
    assert back["town_code"].tolist() == result.table["town_code"].tolist()
    assert list(back.columns) == [c for c in csv_files.CSV_COLUMNS if c in result.table.columns]
    assert back["concept"].isin(concepts_mod.CONCEPTS).all()


def test_page_links_every_town_to_its_report_and_escapes_text(result, tmp_path):
    path = write_page(result, tmp_path / "site")
    html = path.read_text(encoding="utf-8")
    assert path.name == "shortlist.html"
    for code in result.table["town_code"]:
        assert f'href="towns/{code}.html"' in html
    # a lycée name carrying markup is shown, not interpreted
    assert "&lt;b&gt;SOLIDAIRE&lt;/b&gt;" in html and "<b>SOLIDAIRE</b>" not in html
    assert html.count("Pourquoi ce rang") == 4
    assert "Sélection de 2 villes" in html
    assert "Cé-sur-Mer" in html
    assert "Lycées partenaires : aucun" in html  # Bébourg; a missing text is never "nan"
    assert not re.search(r"\bnan\b", html, re.IGNORECASE)
    assert html == render(result)


def test_page_rejects_a_town_code_that_is_not_an_insee_code(result):
    bad = sl.Shortlist(
        result.table.assign(town_code=["../x", "11002", "22003", "33004"]),
        None,
        None,
        result.params,
        result.weights,
        result.monte_carlo,
        result.top,
        result.built_at,
        result.build_parameters,
    )
    with pytest.raises(ValueError, match="not an INSEE code"):
        render(bad)


# --- The command on a small warehouse ----------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path):
    small_warehouse(tmp_path / "gpect.duckdb")
    return tmp_path


def run_cli(args, data_dir, **env) -> tuple[int, str]:
    """Exit code and output, with rich's line wrapping undone."""
    from flows.cli import app

    got = CliRunner().invoke(
        app, ["shortlist", *args], env={"GPECT_DATA_DIR": str(data_dir), **env}
    )
    return got.exit_code, " ".join(got.output.split())


def test_command_writes_workbook_csv_and_page(data_dir):
    code, said = run_cli(["--select", "2", "--draws", "100", "--seed", "3", "--top", "3"], data_dir)
    assert code == 0, said
    assert (data_dir / "out" / "shortlist" / "shortlist.xlsx").is_file()
    assert (data_dir / "out" / "shortlist" / "shortlist.csv").is_file()
    assert (data_dir / "out" / "site" / "shortlist.html").is_file()
    assert "4 towns ranked, 100 draws" in said
    assert "Sélection de 2 villes" in said


def test_command_reads_the_shortlist_settings_from_the_environment(data_dir):
    code, said = run_cli([], data_dir, GPECT_SHORTLIST_DRAWS="30")
    assert code == 0, said
    assert "30 draws" in said
    code, said = run_cli([], data_dir, GPECT_SHORTLIST_WEIGHT_BEAUTY="1")
    assert code == 2
    assert "GPECT_SHORTLIST_WEIGHT_BEAUTY is not a shortlist setting" in said


def test_command_restricts_to_a_candidates_file_and_reports_bad_lines(data_dir, tmp_path):
    good = tmp_path / "applicants.txt"
    good.write_text("aville\n22003\n", encoding="utf-8")
    code, said = run_cli(["--candidates", str(good), "--draws", "20"], data_dir)
    assert code == 0, said
    csv = pd.read_csv(data_dir / "out" / "shortlist" / "shortlist.csv", dtype={"town_code": str})
    assert sorted(csv["town_code"]) == ["11001", "22003"]
    bad = tmp_path / "bad.txt"
    bad.write_text("Aville\nNowhere\n75056\n", encoding="utf-8")
    code, said = run_cli(["--candidates", str(bad)], data_dir)
    assert code == 1
    assert "Nowhere: no candidate town of that name" in said
    assert "75056: not a candidate town" in said
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Alençon\n".encode("latin-1"))
    code, said = run_cli(["--candidates", str(latin1)], data_dir)
    assert code == 1
    assert "is not UTF-8 text" in said and "save it as UTF-8" in said


def test_command_says_to_build_when_the_warehouse_is_missing(tmp_path):
    code, said = run_cli([], tmp_path)
    assert code == 1
    assert "run `gpect build` first" in said


# --- The shortlist marts -----------------------------------------------------------------------


def test_urban_unit_population_sums_its_communes_and_rural_codes_are_no_unit():
    communes = pd.DataFrame(
        {
            "commune_code": ["11001", "11002", "11003", "22001", "22002", "33001"],
            "population": [20_000.0, 5_000.0, 1_000.0, 800.0, 700.0, 15_000.0],
            "uu2020_code": ["11401", "11401", "11000", "22000", "22000", None],
        }
    )
    towns = pd.DataFrame({"town_code": ["11001", "22001", "33001"]})
    got = run_model(
        "mart_town__shortlist_inputs",
        {"int_towns__candidates": towns, "int_geo__communes": communes},
    ).set_index("town_code")
    assert got.loc["11001", "urban_unit_population"] == 25_000  # 20 000 + 5 000
    assert got.loc["11001", "urban_unit_communes"] == 2
    # '22000' is INSEE's code for the rural communes of département 22: no urban unit
    assert not got.loc["22001", "has_urban_unit"]
    assert pd.isna(got.loc["22001", "urban_unit_population"])
    assert not got.loc["33001", "has_urban_unit"]


def test_partner_mart_keeps_the_town_lycees_with_label_and_sectors():
    towns = pd.DataFrame({"town_code": ["11001"]})
    offer = pd.DataFrame(
        {
            "source": ["lycee_pro", "lycee_pro", "lycee_pro", "bts", "lycee_pro"],
            "uai_code": ["L1", "L1", "L2", "L1", "L3"],
            "sector_code": ["MECA", "MECA", "BTP", "GEST", "HRT"],
            "places": [24.0, 12.0, 30.0, 20.0, 15.0],
            "commune_code": ["11001", "11001", "11001", "11001", "99999"],
        }
    )
    lycees = pd.DataFrame(
        {
            "uai_code": ["L1"],
            "establishment_label": ["LYCEE PROFESSIONNEL X LYCEE DES METIERS DE L INDUSTRIE"],
            "lycee_type_code": ["LP"],
            "school_status": ["public"],
        }
    )
    got = run_model(
        "mart_town_lycee_sector__shortlist_partners",
        {
            "int_towns__candidates": towns,
            "int_training__offer": offer,
            "stg_education__lycees": lycees,
        },
    ).sort_values(["uai_code", "sector_code"])
    # BTS rows and lycées of other communes are not partners of the town
    assert got[["uai_code", "sector_code", "places"]].values.tolist() == [
        ["L1", "MECA", 36.0],
        ["L2", "BTP", 30.0],
    ]
    assert got["is_lycee_des_metiers"].tolist() == [True, False]
    assert got["lycee_type_code"].tolist()[0] == "LP"


def test_command_json_is_the_only_thing_on_stdout(data_dir):
    import json

    from flows.cli import app

    got = CliRunner().invoke(
        app,
        ["shortlist", "--json", "--select", "2", "--draws", "50", "--zip"],
        env={"GPECT_DATA_DIR": str(data_dir)},
    )
    assert got.exit_code == 0, got.output
    payload = json.loads(got.stdout)
    assert [t["rank"] for t in payload["towns"]] == [1, 2, 3, 4]
    assert {t["town_code"] for t in payload["towns"]} == {"11001", "11002", "22003", "33004"}
    assert len(payload["selected"]) == 2 and payload["draws"] == 50
    assert str(data_dir / "out" / "shortlist" / "shortlist_excel_fr.csv") in payload["files"]
    assert str(data_dir / "out" / "gpect_shortlist.zip") in payload["files"]
    assert "no town pages yet" in got.stderr  # the human messages went to stderr
