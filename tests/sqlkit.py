"""Run one SQL model of `sql/` on small given tables (given/expect tests of the formulas)."""

from __future__ import annotations

import duckdb
import pandas as pd

from flows.pipeline.build import LAYERS, SQL_DIR, load_model
from flows.pipeline.settings import MODEL_DEFAULTS


def model_path(name: str):
    for layer in (*LAYERS, "checks"):
        path = SQL_DIR / layer / f"{name}.sql"
        if path.exists():
            return path, layer
    raise FileNotFoundError(name)


def run_model(
    name: str,
    tables: dict[str, pd.DataFrame],
    params: dict[str, float] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Create `tables` under their names, plus `param_settings` (defaults overridden by `params`)
    and an empty `param_candidates` unless given, then return the model's result."""
    con = con or duckdb.connect()
    for table, frame in tables.items():
        con.register("given_frame", frame)
        con.execute(f"create or replace table {table} as select * from given_frame")  # noqa: S608
        con.unregister("given_frame")
    settings = {**MODEL_DEFAULTS, **(params or {})}
    con.execute("create or replace table param_settings (name varchar, value double)")
    con.executemany("insert into param_settings values (?, ?)", list(settings.items()))
    if "param_candidates" not in tables:
        con.execute("create or replace table param_candidates (commune_code varchar)")
    path, layer = model_path(name)
    return con.execute(load_model(path, layer).sql).df()
