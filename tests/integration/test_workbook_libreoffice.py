"""The jury workbook as LibreOffice opens it (Debian `libreoffice-calc-nogui`, installed by
`.ci/run`): the formulas gpect writes recompute to gpect's own scores, a weight typed on the Poids
sheet changes every score the way the shortlist would, and the workbook prints."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from shortlist_synthetic import four_towns

from flows.pipeline.settings import SHORTLIST_DEFAULTS
from reports import shortlist as sl
from reports.shortlist.workbook import write_workbook

# LibreOffice takes ~3 s per conversion
pytestmark = pytest.mark.slow

# Every sheet to its own CSV (token 12 = -1, LibreOffice ≥ 7.2), UTF-8 (76), comma-separated,
# formulas exported as their computed values.
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def convert(book: Path, target: str, out: Path) -> None:
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing: apt-get install libreoffice-calc-nogui (see .ci/run)"
    # A profile of its own, so that a LibreOffice already open elsewhere does not take the job.
    profile = f"-env:UserInstallation=file://{out / 'lo-profile'}"
    subprocess.run(
        [soffice, profile, "--headless", "--convert-to", target, "--outdir", str(out), str(book)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def sheet_rows(out: Path, stem: str, sheet: str) -> list[dict[str, str]]:
    with (out / f"{stem}-{sheet}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def scores_by_code(rows: list[dict[str, str]]) -> dict[str, float]:
    return {r["Code INSEE"]: float(r["Score (sur 100)"]) for r in rows}


@pytest.fixture(scope="module")
def result() -> sl.Shortlist:
    return sl.make_shortlist(four_towns(), dict(SHORTLIST_DEFAULTS), select=2, draws=100, top=2)


def test_libreoffice_recomputes_gpect_scores_and_follows_a_new_weight(result, tmp_path):
    book = write_workbook(result, tmp_path / "shortlist.xlsx")
    convert(book, ALL_SHEETS_CSV, tmp_path)
    rows = sheet_rows(tmp_path, "shortlist", "Synthèse")
    expected = dict(zip(result.table["town_code"], result.table["score"], strict=True))
    assert scores_by_code(rows) == pytest.approx(expected, abs=1e-9)
    assert [int(r["Rang selon les poids de la feuille Poids"]) for r in rows] == [1, 2, 3, 4]

    # The jury types a new weight for social need: the workbook and gpect agree again.
    wb = load_workbook(book)
    wb["Poids"]["C4"] = 2.0
    assert wb["Poids"]["B4"].value == "GPECT_SHORTLIST_WEIGHT_SOCIAL_NEED"
    changed = tmp_path / "changed" / "shortlist.xlsx"
    changed.parent.mkdir()
    wb.save(changed)
    convert(changed, ALL_SHEETS_CSV, changed.parent)
    reweighted = sl.make_shortlist(
        four_towns(), {**SHORTLIST_DEFAULTS, "weight_social_need": 2.0}, select=2, draws=100, top=2
    )
    want = dict(zip(reweighted.table["town_code"], reweighted.table["score"], strict=True))
    got = scores_by_code(sheet_rows(changed.parent, "shortlist", "Synthèse"))
    assert got == pytest.approx(want, abs=1e-9)
    assert got != pytest.approx(expected, abs=1e-3)
    live = {
        r["Code INSEE"]: int(r["Rang selon les poids de la feuille Poids"])
        for r in sheet_rows(changed.parent, "shortlist", "Synthèse")
    }
    assert live == dict(zip(reweighted.table["town_code"], reweighted.table["rank"], strict=True))
    social = sheet_rows(changed.parent, "shortlist", "Besoins sociaux")
    weight = 2.0 / (sum(result.params[f"weight_{c.key}"] for c in sl.CRITERIA) - 0.25 + 2.0)
    assert [float(r["Poids"].rstrip("%")) / 100 for r in social] == pytest.approx([weight] * 4)


def test_the_workbook_prints_landscape_with_every_sheet(result, tmp_path):
    book = write_workbook(result, tmp_path / "shortlist.xlsx")
    convert(book, "pdf", tmp_path)
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "shortlist.pdf")], check=True, capture_output=True, text=True
    ).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    pages = int(fields["Pages"])
    # one page per sheet at this size: fitted to the width, nothing split across pages
    assert pages == len(load_workbook(book).worksheets)
    width, height = (float(x.split()[0]) for x in fields["Page size"].split("x"))
    assert width > height  # landscape
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "shortlist.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Présélection des villes candidates" in text and "Page 1 / " in text
