"""The jury shortlist on the warehouse built from the real files: every ACV town ranked, scores
that decompose, coherent intervals and flags, a set, the three outputs, in seconds."""

from __future__ import annotations

import time

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from flows.pipeline.settings import SHORTLIST_DEFAULTS
from reports import shortlist as sl
from reports.shortlist import concepts as concepts_mod
from reports.shortlist import criteria
from reports.shortlist.page import write_page
from reports.shortlist.workbook import write_workbook

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def timed(warehouse):
    start = time.perf_counter()
    inputs = sl.load_inputs(warehouse.path)
    result = sl.make_shortlist(inputs, dict(SHORTLIST_DEFAULTS), select=10)
    return inputs, result, time.perf_counter() - start


def test_every_candidate_town_is_ranked_once_in_seconds(timed, warehouse):
    inputs, result, seconds = timed
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        towns = con.execute("select count(*) from mart_town__profile").fetchall()[0][0]
    finally:
        con.close()
    table = result.table
    assert len(table) == towns > 200
    assert table["town_code"].is_unique
    assert table["rank"].tolist() == list(range(1, towns + 1))
    assert seconds < 15, f"shortlist took {seconds:.1f} s"


def test_scores_decompose_and_intervals_hold_their_median(timed):
    _, result, _ = timed
    t = result.table
    parts = t[[f"contribution_{k}" for k in criteria.CRITERION_KEYS]].sum(axis=1)
    assert (parts - t["score"]).abs().max() < 1e-9
    assert t["score"].between(0, 100).all()
    assert ((t["rank_low"] <= t["median_rank"]) & (t["median_rank"] <= t["rank_high"])).all()
    assert t["top_share"].sum() == pytest.approx(result.top)
    assert set(t["concept"]) <= set(concepts_mod.CONCEPTS)
    assert t["concept_rule"].str.match(r"Règle [123] : ").all()
    rule_number = t["concept_rule"].str[6].astype(int)
    assert (
        rule_number == t["concept"].map({"turnkey": 1, "third_place": 2, "progressive": 3})
    ).all()


def test_eligibility_flags_agree_with_the_populations(timed):
    _, result, _ = timed
    t = result.table
    assert (t["is_population_in_band"] == t["population"].between(10_000, 100_000)).all()
    in_unit = t[t["has_urban_unit"]]
    assert (in_unit["urban_unit_population"] >= in_unit["population"]).all()
    assert t.loc[~t["has_urban_unit"], "urban_unit_population"].isna().all()
    assert not t.loc[~t["has_urban_unit"], "is_urban_unit_in_band"].any()
    assert t["is_acv"].any() and t["is_territoire_industrie"].any()


def test_partners_are_lycees_of_the_town_itself(timed):
    inputs, result, _ = timed
    assert set(inputs.lycees["town_code"]) <= set(inputs.profile["town_code"])
    with_partners = result.table[result.table["partner_lycees"] > 0]
    assert len(with_partners) > 50
    assert with_partners["partner_names"].notna().all()
    assert (with_partners["partner_sectors_covered"] <= 3).all()


def test_selection_picks_distinct_towns_and_explains_each_skip(timed):
    _, result, _ = timed
    assert len(result.selected) == 10 and result.selected["town_code"].is_unique
    assert result.selected["gain"].is_monotonic_decreasing
    assert (result.skipped["covered_share"] > 0).all()
    assert result.skipped["covered_by"].str.len().gt(0).all()
    assert result.table["selection_step"].notna().sum() == 10


def test_outputs_open_with_their_sheets_and_links(timed, tmp_path):
    _, result, _ = timed
    wb = load_workbook(write_workbook(result, tmp_path / "shortlist.xlsx"), read_only=True)
    assert wb.sheetnames[:2] == ["Poids", "Synthèse"] and wb.sheetnames[-1] == "Méthode"
    assert wb["Synthèse"].max_row == len(result.table) + 1
    csv = pd.read_csv(sl.write_csv(result, tmp_path / "shortlist.csv"), dtype={"town_code": str})
    assert csv["town_code"].tolist() == result.table["town_code"].tolist()
    html = write_page(result, tmp_path / "site").read_text(encoding="utf-8")
    assert html.count('href="towns/') >= len(result.table)


def test_candidates_by_name_restrict_the_ranking(timed):
    inputs, _, _ = timed
    names = inputs.profile.sort_values("town_code")["town_label"].head(5).str.upper().tolist()
    codes = sl.resolve_candidates(names, inputs.profile)
    assert len(codes) == 5
    result = sl.make_shortlist(inputs, dict(SHORTLIST_DEFAULTS), candidates=codes, draws=200)
    assert sorted(result.table["town_code"]) == codes
