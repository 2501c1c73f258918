"""End-to-end warehouse build on the real files: structure, reconciliation, checks, atomicity."""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import pytest
from breakers import BREAKERS

from flows.pipeline import build as build_mod

pytestmark = pytest.mark.realdata


def query(path, sql, params=None):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_every_acv_town_is_ranked_on_every_sector(warehouse):
    sectors = query(warehouse.path, "select count(*) from ref_sectors where sector_code <> 'NC'")[
        0
    ][0]
    towns, complete, min_catchment = query(
        warehouse.path,
        """select count(distinct p.town_code),
                  count(*) filter (where n = ?),
                  min(p.catchment_communes)
           from mart_town__profile as p
           join (select town_code, count(*) as n from mart_town_sector__ranking group by 1) using (town_code)""",
        [sectors],
    )[0]
    acv = query(
        warehouse.path,
        "select count(distinct commune_code) from int_programme__communes "
        "where programme in ('ACV', 'ACV2')",
    )[0][0]
    assert towns >= acv - 5  # a few ACV codes merged into one current commune
    assert complete == towns
    assert min_catchment >= 1
    assert all(v == 0 for v in warehouse.checks.values())
    assert warehouse.checks[build_mod.NO_EMPTY_MART] == 0


def test_sector_shares_sum_to_the_national_totals(warehouse):
    rows = query(
        warehouse.path,
        """with bassins as (
               select survey_year, sector_code, sum(hiring_projects) as h
               from mart_territory_sector__indicators where territory_type = 'bassin' group by all),
           national as (
               select survey_year, sum(hiring_projects) as h from int_bmo__cells group by 1),
           lost as (
               select survey_year, sum(hiring_projects) as h from int_bmo__unapportioned group by 1)
           select b.survey_year, sum(b.h), any_value(n.h) - coalesce(any_value(l.h), 0),
                  sum(b.h / (n.h - coalesce(l.h, 0)))
           from bassins as b join national as n using (survey_year) left join lost as l using (survey_year)
           group by b.survey_year""",
    )
    assert {r[0] for r in rows} == {2023, 2024, 2025}
    for _, sectors_sum, national, shares in rows:
        assert sectors_sum == pytest.approx(national, rel=1e-9)
        assert shares == pytest.approx(1.0, rel=1e-9)
    observed_2024 = query(
        warehouse.path,
        "select sum(hiring_projects) from int_bmo__cells where survey_year = 2024 and not is_hiring_estimated",
    )[0][0]
    assert observed_2024 == pytest.approx(2_751_069)


@pytest.mark.parametrize("check_name", sorted(BREAKERS))
def test_check_passes_on_good_data_and_fails_on_a_broken_copy(warehouse, tmp_path, check_name):
    _, checks = build_mod.discover()
    check = next(c for c in checks if c.name == check_name)
    assert query(warehouse.path, f"select count(*) from ({check.sql})")[0][0] == 0  # noqa: S608
    broken = tmp_path / "broken.duckdb"
    shutil.copy(warehouse.path, broken)
    con = duckdb.connect(str(broken))
    try:
        con.execute(BREAKERS[check_name])
        failing = con.execute(check.sql).df()
    finally:
        con.close()
    assert len(failing) > 0
    # each failing row says which rule it breaks and names the table it found the fault in
    assert list(failing.columns[:2]) == ["failure_type", "description"]
    assert failing["failure_type"].str.fullmatch("[a-z_]+").all(), failing["failure_type"]
    tables = "|".join(sorted(check.refs))
    assert failing["description"].str.contains(tables).all(), failing["description"].tolist()


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failing_check_keeps_the_previous_warehouse(ingested, warehouse, tmp_path):
    cfg, _ = ingested
    sql_dir = tmp_path / "sql"
    shutil.copytree(build_mod.SQL_DIR, sql_dir)
    (sql_dir / "checks" / "check_mart_town__profile__always_fails.sql").write_text(
        "-- purpose: a deliberately failing check\n-- grain: one row\n-- upstream: mart_town__profile\n\n"
        "select town_code from mart_town__profile limit 1\n",
        encoding="utf-8",
    )
    before = digest(warehouse.path)
    with pytest.raises(build_mod.BuildError, match="always_fails"):
        build_mod.build(cfg, cfg.build_parameters, sql_dir=sql_dir)
    assert digest(warehouse.path) == before
    assert query(warehouse.path, "select count(*) from mart_town_sector__ranking")[0][0] > 0
    assert not list(warehouse.path.parent.glob(".*building*"))


def test_user_candidates_replace_the_default_list(ingested, tmp_path):
    cfg, _ = ingested
    target = tmp_path / "user.duckdb"
    # Nevers, Saint-Dizier, and a pre-2019 code of Annecy (merged into 74010 in 2017)
    result = build_mod.build(cfg, cfg.build_parameters, ["58194", "52448", "74010"], target=target)
    towns = query(
        result.path, "select town_code, candidate_origin from mart_town__profile order by 1"
    )
    assert [t[0] for t in towns] == ["52448", "58194", "74010"]
    assert {t[1] for t in towns} == {"user list"}
    assert (
        query(result.path, "select count(distinct town_code) from mart_town_sector__ranking")[0][0]
        == 3
    )


def test_the_same_inputs_give_the_same_ranking(ingested, warehouse, tmp_path):
    cfg, _ = ingested
    again = build_mod.build(cfg, cfg.build_parameters, target=tmp_path / "again.duckdb")
    sql = (
        "select town_code, sector_code, rank, round(score, 9), reason_codes, suggested_level, "
        "recommendation_rank, rank_low, rank_high, recommendation_rank_low, tie_group "
        "from mart_town_sector__ranking order by town_code, sector_code"
    )
    assert query(again.path, sql) == query(warehouse.path, sql)


def test_three_bmo_waves_pool_and_rank_every_town(warehouse):
    waves = query(
        warehouse.path, "select survey_year, metier_nomenclature from int_bmo__waves order by 1"
    )
    assert waves == [(2023, "FAP2009"), (2024, "FAP2021"), (2025, "FAP2021")]
    towns, pooled, recommended, intervals = query(
        warehouse.path,
        """select count(distinct town_code),
                  count(distinct town_code) filter (where waves = 3),
                  count(distinct town_code) filter (where recommendation_rank = 1),
                  count(*) filter (where recommendation_rank is not null
                                   and recommendation_rank_low <= recommendation_rank
                                   and recommendation_rank <= recommendation_rank_high)
                      = count(recommendation_rank)
           from mart_town_sector__ranking""",
    )[0]
    candidates = query(warehouse.path, "select count(*) from int_towns__candidates")[0][0]
    assert towns == pooled == candidates
    # a town without one deliverable sector with a market would be worth a look, not a crash
    assert recommended >= 0.95 * towns
    assert intervals
    # no recommended sector lies outside the operator catalogue or below the market size
    assert (
        query(
            warehouse.path,
            """select count(*) from mart_town_sector__ranking
           where recommendation_rank is not null
             and (not is_in_operator_catalogue or annual_hiring_projects < minimum_market_projects)""",
        )[0][0]
        == 0
    )
    vintages = query(warehouse.path, "select vintages from meta_build")[0][0]
    assert '"vintage": "2025"' in vintages


def test_backtest_figures_are_in_the_warehouse(warehouse):
    families = dict(
        query(
            warehouse.path,
            "select family, count(*) from mart_diagnostic__evaluation group by 1",
        )
    )
    assert set(families) == {
        "split_half",
        "refresh_stability",
        "forecast_skill",
        "convergent_validity",
        "specificity",
    }
    values = query(warehouse.path, "select value from mart_diagnostic__evaluation")
    assert all(-1 <= v[0] <= 1 for v in values)
