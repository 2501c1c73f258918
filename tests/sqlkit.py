"""Run one SQL model of `sql/` on small given tables (given/expect tests of the formulas)."""

from __future__ import annotations

import duckdb
import pandas as pd

from flows.pipeline.build import LAYERS, SQL_DIR, create_macros, load_model, register_parameters
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
) -> pd.DataFrame:
    """Create `tables` under their names, the macros of sql/macros, the one-row `params` (defaults
    overridden by `params`) and an empty `param_candidates`, unless `tables` gives them, then
    return the model's result."""
    con = duckdb.connect()
    register_parameters(con, {**MODEL_DEFAULTS, **(params or {})})
    create_macros(con)
    for table, frame in tables.items():
        con.register("given_frame", frame)
        con.execute(f"create or replace table {table} as select * from given_frame")  # noqa: S608
        con.unregister("given_frame")
    path, layer = model_path(name)
    return con.execute(load_model(path, layer).sql).df()
