"""The parameter catalogue of a build: table `meta_parameters` (name, value, unit, label_fr, doc),
written from the settings declaration so that the reports label each value the build used without
a second list of labels (reports read the warehouse, never flows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from flows.pipeline import settings

if TYPE_CHECKING:
    import duckdb

COLUMNS = ("name", "value", "unit", "label_fr", "doc")


def catalogue(params: Mapping[str, float]) -> list[tuple[str, float, str, str, str]]:
    """One row per build parameter, in the order of `params`."""
    rows = []
    for name, value in params.items():
        field = settings.PARAMETER_FIELDS.get(name)
        if field is None:
            raise ValueError(
                f"build parameter {name!r} is not declared: add it to Variables in "
                "flows/pipeline/settings.py with its unit, bounds, French label and doc"
            )
        spec = settings.SPECS[field]
        doc = settings.Variables.model_fields[field].description
        rows.append((name, float(value), spec.unit, spec.label_fr, doc))
    return rows


def write(con: duckdb.DuckDBPyConnection, params: Mapping[str, float]) -> None:
    con.execute(
        "create table meta_parameters (name varchar, value double, unit varchar, "
        "label_fr varchar, doc varchar)"
    )
    con.executemany("insert into meta_parameters values (?, ?, ?, ?, ?)", catalogue(params))
