"""Turn a stored raw vintage into a typed Parquet table, driven by its column map.

Column maps (`connectors/column_maps/<dataset>.csv`, PUDL style) hold one row per output column:
`column` (normalised name), `dtype`, `source` (the publisher's header; `{vintage}` and `{yy}` are
filled in; `=text` is a constant, e.g. the nomenclature a vintage's codes belong to) and optional
per-vintage override columns named after the vintage (`-` = absent in that vintage, NULL).
A mapped column missing from the file stops the dataset;
extra columns are ignored but recorded. Values that do not fit their declared type are quarantined
(`<vintage>.rejects.csv`) and counted; past the declared share the whole vintage is refused.
Statistical-secret cells (`*`) of `secret_count` columns become NULL with an explicit
`<column>_is_secret` flag; in any other column a `*` is a value that does not fit and is rejected.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from connectors import rawstore
from connectors.errors import ParseError
from connectors.readers import read_frame
from connectors.registry import Vintage

COLUMN_MAP_DIR = Path(__file__).with_name("column_maps")
PARSER_VERSION = "1"
SECRET = "*"
DEFAULT_MAX_REJECT_SHARE = 0.001

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PATTERNS = {
    "commune": re.compile(r"^(\d{5}|2[AB]\d{3})$"),
    "bassin": re.compile(r"^\d{4}$"),
    "departement": re.compile(r"^(\d{2}|2[AB]|97\d)$"),
    "region": re.compile(r"^\d{2}$"),
    "siren": re.compile(r"^\d{9}$"),
    "uai": re.compile(r"^\d{7}[A-Z]$"),
}
DTYPES = {"str", "code", "int", "float", "count", "secret_count", "bool", "geometry", *_PATTERNS}


@dataclass(frozen=True)
class ColumnSpec:
    column: str
    dtype: str
    source: str | None  # None: absent in this vintage


@dataclass(frozen=True)
class ParseOutcome:
    dataset: str
    vintage: str
    status: str  # "parsed" | "unchanged"
    rows: int
    rejected: int
    path: Path


def column_map_path(name: str) -> Path:
    return COLUMN_MAP_DIR / f"{name}.csv"


def load_column_map(name: str, vintage: str) -> list[ColumnSpec]:
    path = column_map_path(name)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    specs = []
    for row in rows:
        if row["dtype"] not in DTYPES:
            raise ValueError(f"{path}: column {row['column']} has unknown dtype {row['dtype']!r}")
        source = row.get(vintage) or row["source"]
        source = None if source == "-" else source.format(vintage=vintage, yy=vintage[-2:])
        specs.append(ColumnSpec(row["column"], row["dtype"], source))
    return specs


def _norm_header(name: str) -> str:
    return _SPACES.sub(" ", str(name)).strip().casefold()


def _resolve_columns(
    frame: pd.DataFrame, specs: list[ColumnSpec], err: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    by_norm = {}
    for col in frame.columns:
        by_norm.setdefault(_norm_header(col), col)
    resolved: dict[str, str] = {}
    missing = []
    for spec in specs:
        if spec.source is None or spec.source.startswith("="):
            continue
        if spec.source in frame.columns:
            resolved[spec.column] = spec.source
        elif _norm_header(spec.source) in by_norm:
            resolved[spec.column] = by_norm[_norm_header(spec.source)]
        else:
            missing.append(spec.source)
    if missing:
        present = [c for c in frame.columns if c != "source_row"]
        raise ParseError(
            problem=f"missing columns {missing}; the file has {present[:40]}",
            hint="the publisher renamed or dropped columns: update the column map for this vintage",
            **err,
        )
    used = set(resolved.values()) | {"source_row", "source_part", "geometry"}
    ignored = [c for c in frame.columns if c not in used]
    return resolved, ignored


def _code(values: pd.Series, width: int | None = None) -> pd.Series:
    out = values.str.strip().str.replace(r"\.0$", "", regex=True).str.upper()
    out = out.mask(out == "", pd.NA)
    if width:
        out = out.mask(out.str.fullmatch(r"\d+").fillna(False), out.str.zfill(width))
    return out


def _departement(values: pd.Series) -> pd.Series:
    out = _code(values)
    # Education files write metropolitan départements on three characters ("001", "02A").
    out = out.mask(out.str.fullmatch(r"0(\d\d|2[AB])").fillna(False), out.str[1:])
    return out.mask(out.str.fullmatch(r"\d").fillna(False), out.str.zfill(2))


def _number(values: pd.Series, decimal: str) -> pd.Series:
    text = values.str.replace(_SPACES, "", regex=True)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return text.mask(text == "", pd.NA)


def cast_column(
    values: pd.Series, dtype: str, decimal: str
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """(typed values, mask of values that failed their type, secret flag or None)."""
    values = values.astype("string")
    present = values.notna() & (values.str.strip() != "")
    secret = None
    if dtype == "geometry":
        return values, pd.Series(False, index=values.index), None
    if dtype in ("str", "code"):
        out = values.str.strip() if dtype == "str" else _code(values)
        out = out.mask(out == "", pd.NA)
        return out, pd.Series(False, index=values.index), None
    if dtype in _PATTERNS:
        width = {"commune": 5, "bassin": 4, "region": 2, "siren": 9}.get(dtype)
        out = _departement(values) if dtype == "departement" else _code(values, width)
        bad = present & ~out.str.fullmatch(_PATTERNS[dtype]).fillna(False)
        return out.mask(bad, pd.NA), bad, None
    if dtype == "bool":
        text = values.str.strip().str.casefold()
        truthy = {"1", "o", "oui", "true", "vrai", "y", "yes"}
        falsy = {"0", "n", "non", "false", "faux", "no"}
        out = pd.Series(pd.NA, index=values.index, dtype="boolean")
        out[text.isin(truthy).fillna(False)] = True
        out[text.isin(falsy).fillna(False)] = False
        bad = present & out.isna()
        return out, bad, None
    if dtype == "secret_count":
        secret = (values.str.strip() == SECRET).fillna(False).astype("boolean")
        values = values.mask(secret, pd.NA)
        present = present & ~secret
    numbers = pd.to_numeric(_number(values, decimal), errors="coerce")
    bad = present & numbers.isna()
    if dtype == "float":
        return numbers.astype("Float64"), bad, None
    integral = numbers.isna() | (numbers == numbers.round())
    bad = bad | (present & ~integral)
    out = numbers.where(integral).astype("Float64").round().astype("Int64")
    if dtype in ("count", "secret_count"):
        negative = (out < 0).fillna(False)
        bad = bad | negative
        out = out.mask(negative, pd.NA)
    return out, bad, secret


def parse_key(vintage: Vintage, manifest: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(PARSER_VERSION.encode())
    digest.update(json.dumps(vintage.fmt, sort_keys=True).encode())
    for part in sorted(manifest["parts"]):
        digest.update(manifest["parts"][part]["sha256"].encode())
    return digest.hexdigest()


def parsed_paths(parsed_dir: Path, dataset: str, vintage: str) -> tuple[Path, Path, Path]:
    base = rawstore.vintage_dir(parsed_dir, dataset, vintage)
    return base / "table.parquet", base / "record.json", base / "rejects.csv"


def read_record(parsed_dir: Path, dataset: str, vintage: str) -> dict[str, Any] | None:
    _, record_path, _ = parsed_paths(parsed_dir, dataset, vintage)
    if not record_path.exists():
        return None
    return json.loads(record_path.read_text(encoding="utf-8"))


def parse_vintage(
    vintage: Vintage, column_map: str, *, raw_dir: Path, parsed_dir: Path, force: bool = False
) -> ParseOutcome:
    ds, vname = vintage.dataset, vintage.name
    table_path, record_path, rejects_path = parsed_paths(parsed_dir, ds, vname)
    manifest = rawstore.read_manifest(raw_dir, ds, vname)
    if manifest is None:
        raise ParseError(ds, vname, "nothing fetched yet", hint="run `gpect fetch` first")
    map_text = column_map_path(column_map).read_bytes()
    key = parse_key(vintage, manifest) + hashlib.sha256(map_text).hexdigest()[:16]
    previous = read_record(parsed_dir, ds, vname)
    if not force and previous and previous.get("key") == key and table_path.exists():
        return ParseOutcome(
            ds, vname, "unchanged", previous["rows"], previous["rejected"], table_path
        )

    specs = load_column_map(column_map, vname)
    frames = []
    for part, entry in sorted(manifest["parts"].items()):
        path = rawstore.verify(raw_dir, ds, vname, entry)
        frame = read_frame(path, vintage.fmt, dataset=ds, vintage=vname)
        if part:
            frame["source_part"] = part
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    where = next(iter(manifest["parts"].values()))["path"]
    err = dict(dataset=ds, vintage=vname, where=where)
    if frame.empty:
        raise ParseError(
            problem="no data rows", hint="the file is empty; re-fetch with --force", **err
        )
    resolved, ignored = _resolve_columns(frame, specs, err)

    decimal = vintage.fmt.get("decimal", ".")
    # Publishers' own "missing" markers (declared per file, e.g. "NA") are nulls, not bad values.
    na_values = vintage.fmt.get("na_values", [])
    out = pd.DataFrame({"source_row": frame["source_row"]})
    if "source_part" in frame.columns:
        out["source_part"] = frame["source_part"].astype("string")
    bad_rows = pd.Series(False, index=frame.index)
    rejects = []
    secrets: dict[str, int] = {}
    for spec in specs:
        if spec.source is None:
            absent = pd.Series(pd.NA, index=frame.index, dtype="string")
            out[spec.column] = cast_column(absent, spec.dtype, decimal)[0]
            continue
        if spec.dtype == "geometry":
            out[spec.column] = frame["geometry"]
            continue
        if spec.source.startswith("="):
            constant = pd.Series(spec.source[1:], index=frame.index, dtype="string")
            out[spec.column] = cast_column(constant, spec.dtype, decimal)[0]
            continue
        source = resolved[spec.column]
        raw = frame[source]
        if na_values:
            raw = raw.mask(raw.str.strip().isin(na_values).fillna(False), pd.NA)
        typed, bad, secret = cast_column(raw, spec.dtype, decimal)
        out[spec.column] = typed
        if secret is not None:
            out[f"{spec.column}_is_secret"] = secret
            secrets[spec.column] = int(secret.sum())
        if bad.any():
            bad_rows |= bad
            for idx in bad[bad].index[:1000]:
                rejects.append(
                    {
                        "source_row": int(frame.at[idx, "source_row"]),
                        "column": source,
                        "value": str(frame.at[idx, source]),
                        "expected": spec.dtype,
                    }
                )
    rejected = int(bad_rows.sum())
    limit = float(vintage.fmt.get("max_reject_share", DEFAULT_MAX_REJECT_SHARE))
    if rejected > limit * len(frame):
        examples = "; ".join(
            f"row {r['source_row']} {r['column']}={r['value']!r} (expected {r['expected']})"
            for r in rejects[:5]
        )
        raise ParseError(
            problem=f"{rejected} of {len(frame)} rows have values that do not fit their type: "
            f"{examples}",
            hint="the layout changed (shifted columns?) or the column map's dtype is wrong",
            **err,
        )
    table = out[~bad_rows].reset_index(drop=True)
    table_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = table_path.with_name(f".{table_path.name}.{os.getpid()}.tmp")
    if "geometry" in table.columns:
        import geopandas as gpd

        gpd.GeoDataFrame(table, geometry="geometry", crs="EPSG:4326").to_parquet(tmp, index=False)
    else:
        table.to_parquet(tmp, index=False)
    os.replace(tmp, table_path)
    if rejects:
        pd.DataFrame(rejects).to_csv(rejects_path, index=False)
    else:
        rejects_path.unlink(missing_ok=True)
    record = {
        "dataset": ds,
        "vintage": vname,
        "key": key,
        "rows": len(table),
        "rejected": rejected,
        "secret_cells": secrets,
        "columns": {c: str(t) for c, t in table.dtypes.items()},
        "ignored_source_columns": ignored,
        "raw_sha256": {p: e["sha256"] for p, e in manifest["parts"].items()},
        "parsed_at": rawstore.now(),
    }
    rawstore.write_json_atomic(record_path, record)
    return ParseOutcome(ds, vname, "parsed", len(table), rejected, table_path)
