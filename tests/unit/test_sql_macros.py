"""Given/expect tests of the SQL macros (sql/macros/), the parameter row and the build's reading
of the header `upstream:` lists; DuckDB in memory, expected values worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlkit import run_model

from flows.pipeline import build
from flows.pipeline.diagnostic import ranking
from flows.pipeline.settings import MODEL_DEFAULTS

approx = pytest.approx


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    build.create_macros(con)
    return con


def value(con, expression: str):
    return con.execute(f"select {expression}").fetchone()[0]  # noqa: S608


def test_every_macro_file_creates_its_macro(con):
    names = {p.stem for p in (build.SQL_DIR / build.MACROS_DIR).glob("*.sql")}
    created = {
        name
        for (name,) in con.execute(
            "select function_name from duckdb_functions() where function_type = 'macro'"
        ).fetchall()
    }
    assert names and names <= created


def test_great_circle_km(con):
    # a quarter of a meridian: π/2 × 6,371 km; one degree of longitude on the equator: 6,371·π/180
    assert value(con, "great_circle_km(0, 0, 90, 0)") == approx(math.pi / 2 * 6371.0)
    assert value(con, "great_circle_km(0, 0, 0, 1)") == approx(6371.0 * math.pi / 180)
    assert value(con, "great_circle_km(47.2, 2.1, 47.2, 2.1)") == 0


def test_travel_minutes(con):
    # 46 km × 1.3 = 59.8 km at 60 km/h = 59.8 minutes; 10 km straight at 30 km/h = 20 minutes
    assert value(con, "travel_minutes(46, 1.3, 60)") == approx(59.8)
    assert value(con, "travel_minutes(10, 1, 30)") == approx(20)


def test_shrunk_rate(con):
    # (10 + 20 × 0.35) / (40 + 20) = 17 / 60; no trials: the prior; no prior weight: x / n
    assert value(con, "shrunk_rate(10, 40, 0.35, 20)") == approx(17 / 60)
    assert value(con, "shrunk_rate(0, 0, 0.35, 20)") == approx(0.35)
    assert value(con, "shrunk_rate(10, 40, 0.35, 0)") == approx(0.25)


def test_moment_prior_strength(con):
    # p̄ = 0.5, τ² = 0.01: κ = 0.25 / 0.01 − 1 = 24, inside [2, 500]
    assert value(con, "moment_prior_strength(0.5, 0.01, 2, 500)") == approx(24)
    # τ² = 0.00015: κ = 1665.7 -> 500; τ² = 0.245: κ = 0.0204 -> 2; τ² ≤ 0 -> the highest
    assert value(con, "moment_prior_strength(0.5, 0.00015, 2, 500)") == approx(500)
    assert value(con, "moment_prior_strength(0.5, 0.245, 2, 500)") == approx(2)
    assert value(con, "moment_prior_strength(0.5, -0.001, 2, 500)") == approx(500)
    assert value(con, "moment_prior_strength(0.5, 0, 2, 70)") == approx(70)


def test_access_ratio(con):
    # 0.3 / 0.2 = 1.5; a zero median: some access is ample (10), none is 0
    assert value(con, "access_ratio(0.3, 0.2)") == approx(1.5)
    assert value(con, "access_ratio(0.3, 0)") == 10
    assert value(con, "access_ratio(0, 0)") == 0


def test_parameters_are_one_typed_row():
    con = duckdb.connect()
    build.register_parameters(con, {"catchment_minutes": 45.0, "speed_kmh": 50.0})
    assert con.execute("select catchment_minutes, speed_kmh from params").fetchall() == [
        (45.0, 50.0)
    ]
    types = dict(con.execute("select column_name, column_type from (describe params)").fetchall())
    assert types == {"catchment_minutes": "DOUBLE", "speed_kmh": "DOUBLE"}


@pytest.mark.parametrize("end", [0, 2023, 2024, 2025, 2030])
def test_window_end_follows_the_diagnostic_rule(end):
    bmo = pd.DataFrame(
        {
            "survey_year": [2023, 2024, 2025],
            "metier_nomenclature": ["FAP2009", "FAP2021", "FAP2021"],
        }
    )
    vintages = pd.DataFrame(
        {"dataset": ["bmo"] * 3, "vintage": ["2023", "2024", "2025"], "is_selected": [True] * 3}
    )
    waves = run_model(
        "int_bmo__waves",
        {"stg_france_travail__bmo": bmo, "ref_vintages": vintages},
        {"bmo_window_end": end},
    )
    window = ranking.published_window(waves, {**MODEL_DEFAULTS, "bmo_window_end": end})
    assert waves.loc[waves.is_window_end, "survey_year"].tolist() == window[-1:]


HEADER = "-- purpose: p\n-- grain: g\n"


def write(tmp_path: Path, layer: str, name: str, text: str) -> Path:
    (tmp_path / layer).mkdir(parents=True, exist_ok=True)
    path = tmp_path / layer / f"{name}.sql"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def no_python_models(monkeypatch):
    """A tiny SQL project stands in for sql/: without the diagnostic's Python models."""
    monkeypatch.setattr(build.diagnostic, "MODELS", [])


def test_upstream_spans_lines_and_orders_the_build(tmp_path, no_python_models):
    write(tmp_path, "staging", "stg_a__b", HEADER + "-- upstream: src_acv\n\nselect * from src_acv")
    write(
        tmp_path,
        "intermediate",
        "int_a__c",
        HEADER + "-- upstream: stg_a__b,\n--           params\n\n"  # noqa: S608
        "select * from stg_a__b cross join params",
    )
    models, _ = build.discover(tmp_path)
    assert [m.name for m in models if m.path] == ["stg_a__b", "int_a__c"]
    assert next(m for m in models if m.name == "int_a__c").refs == {"stg_a__b", "params"}


@pytest.mark.parametrize(
    ("header", "body", "message"),
    [
        (HEADER, "select 1", "the header comment lacks ['upstream:']"),
        (HEADER + "-- upstream: params\n", "select * from params, src_acv", "reads ['src_acv']"),
        (HEADER + "-- upstream: params, src_acv\n", "select * from params", "lists ['src_acv']"),
    ],
)
def test_a_header_out_of_step_with_its_body_names_the_file(tmp_path, header, body, message):
    path = write(tmp_path, "staging", "stg_a__b", header + "\n" + body)
    with pytest.raises(build.BuildError, match=r"stg_a__b\.sql") as error:
        build.load_model(path, "staging")
    assert message in str(error.value)


def test_an_unknown_upstream_table_names_the_file(tmp_path, no_python_models):
    write(
        tmp_path,
        "intermediate",
        "int_a__c",
        HEADER + "-- upstream: int_nowhere__x\n\nselect * from int_nowhere__x",
    )
    with pytest.raises(build.BuildError, match=r"int_a__c\.sql.*\['int_nowhere__x'\]"):
        build.discover(tmp_path)
