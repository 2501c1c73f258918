"""When `gpect run`/`build` may skip the build: the input fingerprint and its sidecar record."""

from __future__ import annotations

import os
import shutil

import pandas as pd

from flows.pipeline import build as build_mod
from flows.pipeline import freshness
from flows.pipeline.settings import load


def test_stale_reason_names_what_changed_and_none_when_nothing_did(tmp_path):
    output = tmp_path / "gpect.duckdb"
    inputs = {"sql:marts/a.sql": "1", "parsed:bmo/2024": "10:5"}
    assert freshness.stale_reason(output, inputs) == "gpect.duckdb does not exist yet"
    output.write_bytes(b"db")
    assert "no record" in freshness.stale_reason(output, inputs)
    freshness.record(output, inputs)
    assert freshness.sidecar(output).name == ".gpect.duckdb.inputs.json"
    assert freshness.stale_reason(output, dict(inputs)) is None
    changed = {**inputs, "parsed:bmo/2024": "11:6", "parsed:bmo/2025": "3:1"}
    assert freshness.stale_reason(output, changed) == (
        "2 inputs changed: parsed:bmo/2024, parsed:bmo/2025"
    )
    assert freshness.stale_reason(output, {"sql:marts/a.sql": "1"}) == (
        "1 inputs changed: parsed:bmo/2024"
    )


def test_a_warehouse_replaced_behind_the_record_is_not_trusted(tmp_path):
    output = tmp_path / "gpect.duckdb"
    output.write_bytes(b"db")
    freshness.record(output, {"x": "1"})
    output.write_bytes(b"another db")
    assert freshness.stale_reason(output, {"x": "1"}) == (
        "gpect.duckdb was replaced since its inputs were recorded"
    )


def test_warehouse_inputs_follow_sql_reference_parameters_and_parsed_tables(tmp_path):
    sql, ref = tmp_path / "sql", tmp_path / "reference"
    shutil.copytree(build_mod.SQL_DIR, sql)
    shutil.copytree(build_mod.REFERENCE_DIR, ref)
    cfg = load().with_overrides(data_dir=tmp_path / "data")
    table = cfg.parsed_dir / "bmo" / "2024" / "table.parquet"
    table.parent.mkdir(parents=True)
    pd.DataFrame({"a": [1]}).to_parquet(table)

    def inputs(params=cfg.model):
        return freshness.warehouse_inputs(cfg, params, None, sql_dir=sql, reference_dir=ref)

    base = inputs()
    assert "parsed:bmo/2024" in base and "sql:marts/mart_town__profile.sql" in base
    assert "reference:sectors.csv" in base and "code:flows/pipeline/build.py" in base

    marts = sql / "marts" / "mart_town__profile.sql"
    marts.write_text(marts.read_text() + "\n-- edited\n")
    assert freshness.changes(base, inputs()) == ["sql:marts/mart_town__profile.sql"]

    os.utime(table, ns=(1, 1))  # re-parsed: a new file, whatever its bytes
    assert "parsed:bmo/2024" in freshness.changes(base, inputs())
    assert "params" in freshness.changes(base, inputs(params={**cfg.model, "speed_kmh": 50}))
