"""The warehouse is published only when every check and publish guard passes: a build with no
town, with towns lacking a sector ranking, with an empty mart, with a failing check (named by its
rows) or with a bad candidates list leaves the published warehouse byte-identical. A tiny SQL
project in the real layout stands in for sql/ (pure: no data needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from flows.pipeline import build as build_mod
from flows.pipeline.settings import MODEL_DEFAULTS, load

PARAMS = {**MODEL_DEFAULTS, "catchment_minutes": 30.0}
HEADER = "-- purpose: test model\n-- grain: one row per test\n-- upstream: {upstream}\n\n"
COMMUNES = (
    "('11001', 'Aville', '11', 100), ('11002', 'Bébourg', '11', 50), ('33003', 'Dé', '33', 5)"
)
MODELS = {
    "intermediate/int_geo__communes": "select * from (values {communes}) "
    "as t(commune_code, commune_label, departement_code, population)",
    "intermediate/int_geo__code_passage": "select '11099' as old_code, '11002' as current_code",
    "intermediate/int_towns__candidates": "select commune_code as town_code from int_geo__communes "
    "where commune_code in (select commune_code from param_candidates) "
    "or not exists (select 1 from param_candidates)",
    "marts/mart_town__profile": "select c.commune_code as town_code, c.commune_label as town_label, "
    "c.population from int_towns__candidates as t "
    "join int_geo__communes as c on c.commune_code = t.town_code",
    "marts/mart_town_sector__ranking": "select town_code, 'S1' as sector_code, 1 as rank "
    "from mart_town__profile where town_code not in ({unranked})",
    "marts/mart_town__catchment_communes": "select town_code, town_code as commune_code "
    "from mart_town__profile",
    "checks/check_mart_town__profile__positive": "select 'negative_population' as failure_type, "
    "'mart_town__profile: town ' || town_code || ' has population ' || population as description, "
    "town_code, population from mart_town__profile where population < 0",
}


NO_ROW = "select town_code from mart_town__profile where false\n"
# a check that returns failing rows without saying what failed
BARE_CHECK = "select town_code from mart_town__profile where population < 0\n"


def project(tmp_path: Path, communes: str = COMMUNES, unranked: str = "''") -> Path:
    sql = tmp_path / "sql"
    for layer in ("staging", "intermediate", "marts", "checks"):
        (sql / layer).mkdir(parents=True, exist_ok=True)
    for name, body in MODELS.items():
        text = body.format(communes=communes, unranked=unranked)
        reads = sorted(set(build_mod._IDENT.findall(text)) - {name.split("/")[1]})
        header = HEADER.format(upstream=", ".join(reads))
        (sql / f"{name}.sql").write_text(header + text + "\n", encoding="utf-8")
    return sql


@pytest.fixture
def published(tmp_path, monkeypatch):
    """Settings, and a first good warehouse published from the tiny project (without the
    diagnostic's Python models, which read the real tables)."""
    monkeypatch.setattr(build_mod.diagnostic, "MODELS", [])
    cfg = load().with_overrides(data_dir=tmp_path / "data")
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "vintages.csv").write_text(
        "dataset,vintage,preference,period,note\nnone,none,1,,not ingested\n", encoding="utf-8"
    )
    build_mod.build(cfg, PARAMS, sql_dir=project(tmp_path), reference_dir=tmp_path / "reference")
    return cfg, tmp_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(cfg, tmp_path, sql: Path, candidates=None) -> str:
    before = digest(cfg.warehouse)
    with pytest.raises(build_mod.BuildError) as error:
        build_mod.build(cfg, PARAMS, candidates, sql_dir=sql, reference_dir=tmp_path / "reference")
    assert digest(cfg.warehouse) == before
    assert [p.name for p in cfg.data_dir.iterdir()] == ["gpect.duckdb"]  # no half-built file
    return str(error.value)


def test_a_list_matching_no_commune_never_publishes_a_warehouse_without_towns(published):
    cfg, tmp_path = published
    message = refused(cfg, tmp_path, project(tmp_path, communes="('x', 'y', 'z', 1)"), ["11001"])
    assert "not a commune code of the reference geography" in message


def test_a_warehouse_with_empty_marts_is_never_published(published):
    cfg, tmp_path = published
    empty = project(tmp_path, communes="('11001', 'Aville', '11', 1)", unranked="'11001'")
    model = empty / "intermediate" / "int_geo__communes.sql"
    model.write_text(model.read_text(encoding="utf-8") + "where false\n", encoding="utf-8")
    message = refused(cfg, tmp_path, empty)
    assert "check_marts__not_empty: 3 failing rows:" in message
    for mart in (
        "mart_town__catchment_communes",
        "mart_town__profile",
        "mart_town_sector__ranking",
    ):
        assert f"[empty_mart] {mart} has no row" in message
    assert "no candidate town: the warehouse would have no town to report on" in message


def test_any_empty_mart_stops_the_publication_but_the_partners_may_be_empty(published):
    """Every mart counts, not a fixed list: a new mart left empty is refused by name; the
    lycée partners of a short list of towns may be none."""
    cfg, tmp_path = published
    sql = project(tmp_path)
    for name in ("mart_town__new_indicator", *build_mod.MAY_BE_EMPTY):
        (sql / "marts" / f"{name}.sql").write_text(
            HEADER.format(upstream="mart_town__profile") + NO_ROW, encoding="utf-8"
        )
    message = refused(cfg, tmp_path, sql)
    assert message.count("[empty_mart]") == 1
    assert "[empty_mart] mart_town__new_indicator has no row" in message
    (sql / "marts" / "mart_town__new_indicator.sql").unlink()
    result = build_mod.build(cfg, PARAMS, sql_dir=sql, reference_dir=tmp_path / "reference")
    assert result.checks["check_marts__not_empty"] == 0


def test_towns_without_a_ranking_are_named_and_not_published(published):
    cfg, tmp_path = published
    message = refused(cfg, tmp_path, project(tmp_path, unranked="'33003'"))
    assert "1 of 3 towns have no sector ranking (at most 0 % may): " in message
    assert "town_code='33003', town_label='Dé'" in message


def test_a_guarded_mart_that_is_not_built_stops_the_publication(published):
    cfg, tmp_path = published
    sql = project(tmp_path)
    (sql / "marts" / "mart_town__catchment_communes.sql").unlink()
    assert "mart_town__catchment_communes not built" in refused(cfg, tmp_path, sql)


def test_a_failing_check_names_its_rows_and_columns(published):
    cfg, tmp_path = published
    bad = COMMUNES.replace("('33003', 'Dé', '33', 5)", "('33003', 'Dé', '33', -5)")
    message = refused(cfg, tmp_path, project(tmp_path, communes=bad))
    assert "checks failed, the previous warehouse is kept" in message
    assert (
        "check_mart_town__profile__positive: 1 failing rows:\n"
        "    [negative_population] mart_town__profile: town 33003 has population -5"
    ) in message


def test_a_check_that_does_not_say_what_failed_is_refused(published):
    cfg, tmp_path = published
    sql = project(tmp_path)
    (sql / "checks" / "check_mart_town__profile__bare.sql").write_text(
        HEADER.format(upstream="mart_town__profile") + BARE_CHECK,
        encoding="utf-8",
    )
    message = refused(cfg, tmp_path, sql)
    assert (
        "check_mart_town__profile__bare: its first columns are ['town_code'], not "
        "['failure_type', 'description']"
    ) in message


def test_a_bad_candidates_list_is_refused_by_line(published):
    cfg, tmp_path = published
    message = refused(cfg, tmp_path, project(tmp_path), ["aville", "", "99999", "11001"])
    assert "line 3: 99999: not a commune code of the reference geography" in message
    assert "line 4: 11001 is 11001 Aville, already listed on line 1" in message
    assert "the previous warehouse is kept" in message
    assert "no town listed" in refused(cfg, tmp_path, project(tmp_path), ["# nobody"])


def test_a_good_list_is_resolved_through_the_passage_table_and_published(published):
    cfg, tmp_path = published
    result = build_mod.build(
        cfg,
        PARAMS,
        ["Aville", "11099"],
        sql_dir=project(tmp_path),
        reference_dir=tmp_path / "reference",
    )
    assert result.tables["mart_town__profile"] == 2


def python_model(pieces):
    """A diagnostic model reading the towns and yielding `pieces(towns)`, one frame each."""
    import pandas as pd

    from flows.pipeline.diagnostic import PythonModel

    def run(con, params):
        towns = con.execute("select town_code from mart_town__profile order by 1").df()
        for piece in pieces(towns):
            yield pd.DataFrame({"town_code": piece, "score": [float(len(piece))] * len(piece)})

    return PythonModel("mart_town__chunked", frozenset({"mart_town__profile"}), run, "test")


def test_a_python_model_is_written_chunk_by_chunk(published, monkeypatch):
    import duckdb

    cfg, tmp_path = published
    one_by_one = python_model(lambda towns: [[t] for t in towns["town_code"]])
    monkeypatch.setattr(build_mod.diagnostic, "MODELS", [one_by_one])
    result = build_mod.build(
        cfg, PARAMS, sql_dir=project(tmp_path), reference_dir=tmp_path / "reference"
    )
    assert result.tables["mart_town__chunked"] == 3
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    rows = con.execute("select town_code, score from mart_town__chunked order by 1").fetchall()
    con.close()
    assert rows == [("11001", 1.0), ("11002", 1.0), ("33003", 1.0)]


def test_a_python_model_that_yields_nothing_is_refused(published, monkeypatch):
    cfg, tmp_path = published
    monkeypatch.setattr(build_mod.diagnostic, "MODELS", [python_model(lambda towns: [])])
    message = refused(cfg, tmp_path, project(tmp_path))
    assert "mart_town__chunked: the model yielded no table" in message
