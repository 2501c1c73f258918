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

Write–audit–publish: a parse reads the revision the fetch staged (or the current one), checks the
dataset's contract (`connectors/registry.py`: unique keys, row counts and totals against the
accepted revision) and only then replaces the parsed table and publishes the revision in the raw
manifest. A refused staged revision is quarantined and the previous table stays as it was.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow
import pyarrow.parquet as pq

from connectors import rawstore, registry
from connectors.errors import ParseError
from connectors.registry import Vintage
from connectors.shared import codes
from connectors.shared.files import write_json, write_with

# pandas (and the readers, which need it) is imported by the functions that build a table: a
# run that finds every vintage parsed already decides so from the records, without it (~0.4 s).
if TYPE_CHECKING:
    import pandas as pd

COLUMN_MAP_DIR = Path(__file__).with_name("column_maps")
PARSER_VERSION = "2"  # 2: declared null markers only in xlsx, data contracts
SECRET = "*"
DEFAULT_MAX_REJECT_SHARE = 0.001

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PATTERNS = {
    "commune": re.compile(f"^(?:{codes.COMMUNE_CODE.pattern})$"),
    "bassin": re.compile(r"^\d{4}$"),
    "departement": re.compile(f"^(?:{codes.DEPARTEMENT_CODE.pattern})$"),
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
    warnings: tuple[str, ...] = ()


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
    import pandas as pd

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
    import pandas as pd

    text = values.str.replace(_SPACES, "", regex=True)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return text.mask(text == "", pd.NA)


def cast_column(
    values: pd.Series, dtype: str, decimal: str
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """(typed values, mask of values that failed their type, secret flag or None)."""
    import pandas as pd

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
    """The parse record, or None when it is absent or damaged (the next parse rewrites it)."""
    return record_problem(parsed_dir, dataset, vintage)[0]


def record_problem(
    parsed_dir: Path, dataset: str, vintage: str
) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None), (None, None) when absent, or (None, what is wrong): a damaged record, or
    a parsed table that is missing or unreadable while its record says it was written."""
    table_path, record_path, _ = parsed_paths(parsed_dir, dataset, vintage)
    record, problem = rawstore.load_json(record_path, {"rows": int, "rejected": int, "key": str})
    if record is None:
        return None, problem
    if not table_intact(table_path, record["rows"]):
        return (
            None,
            f"{table_path.name} is missing, unreadable or not the {record['rows']} rows recorded",
        )
    return record, None


def table_intact(path: Path, rows: int) -> bool:
    """The Parquet footer reads and holds the recorded row count (cheap: no data is read)."""
    try:
        return pq.read_metadata(path).num_rows == rows
    except (OSError, pyarrow.ArrowException):
        return False


def _change(new: float, old: float) -> float:
    return abs(new - old) / old if old else (0.0 if new == old else float("inf"))


def check_contract(
    table: pd.DataFrame,
    vintage: Vintage,
    previous: dict[str, Any] | None,
    previous_vintage: tuple[str, dict[str, Any]] | None,
    err: dict[str, str],
) -> tuple[dict[str, float], list[str]]:
    """(totals, warnings) of a parsed table under its dataset's contract; ParseError when a hard
    bound is crossed: a key column NULL or duplicated, the row count or a total moved beyond
    `rows_refuse` against the accepted revision of this vintage (`previous`)."""
    contract = vintage.contract
    keys = list(contract["keys"])
    if keys:
        null = table[keys].isna().any(axis=1)
        if null.any():
            rows = ", ".join(str(r) for r in table.loc[null, "source_row"].head(5))
            raise ParseError(
                problem=f"{int(null.sum())} rows have no value in the key columns {keys} "
                f"(source rows {rows})",
                hint="the file lost a column or has blank lines in it; check it before it is used",
                **err,
            )
        dup = table.duplicated(keys, keep=False)
        if dup.any():
            shown = (
                table.loc[dup, [*keys, "source_row"]]
                .groupby(keys, dropna=False)["source_row"]
                .apply(lambda r: "/".join(str(x) for x in r))
                .head(5)
            )
            examples = "; ".join(
                f"{dict(zip(keys, k if isinstance(k, tuple) else (k,), strict=True))} at source "
                f"rows {rows}"
                for k, rows in shown.items()
            )
            raise ParseError(
                problem=f"{int(dup.sum())} rows share their key {keys} with another row: "
                f"{examples}",
                hint="the file holds duplicated rows (which would be counted twice); ask the "
                "publisher or fix the catalogue's contract keys",
                **err,
            )
    totals = {c: float(table[c].sum()) for c in contract["totals"]}
    measures = {"rows": float(len(table)), **{f"total of {c}": v for c, v in totals.items()}}
    warnings: list[str] = []
    if previous is not None:
        before = {"rows": float(previous["rows"])}
        before |= {f"total of {c}": float(v) for c, v in previous.get("totals", {}).items()}
        for name, value in measures.items():
            if name not in before:
                continue
            change = _change(value, before[name])
            text = (
                f"{name} {value:,.0f} against {before[name]:,.0f} in the accepted revision "
                f"(a {100 * change:.0f} % change)"
            )
            if change > contract["rows_refuse"]:
                raise ParseError(
                    problem=f"{text}, beyond the {100 * contract['rows_refuse']:.0f} % the "
                    "contract allows",
                    hint="the file is truncated, duplicated or another table; check it, and if "
                    "the change is real, raise rows_refuse in the dataset's contract",
                    **err,
                )
            if change > contract["rows_warn"]:
                warnings.append(f"{text}: check it")
    bound = contract.get("vintage_rows_warn")
    if bound is not None and previous_vintage is not None:
        name, record = previous_vintage
        change = _change(len(table), record["rows"])
        if change > bound:
            warnings.append(
                f"{len(table):,} rows against {record['rows']:,} in vintage {name} (a "
                f"{100 * change:.0f} % change, over the {100 * bound:.0f} % expected): check it"
            )
    return totals, warnings


def _previous_vintage(
    parsed_dir: Path, dataset: str, vintage: str
) -> tuple[str, dict[str, Any]] | None:
    """The accepted parse of the vintage just before this one (by name), if any."""
    names = sorted(registry.get(dataset).vintages) if dataset in registry.catalog() else []
    earlier = [n for n in names if n < vintage]
    for name in reversed(earlier):
        record = read_record(parsed_dir, dataset, name)
        if record is not None:
            return name, record
    return None


def parse_vintage(
    vintage: Vintage, column_map: str, *, raw_dir: Path, parsed_dir: Path, force: bool = False
) -> ParseOutcome:
    """Parse the staged revision (or re-parse the current one); publish it only if accepted."""
    ds, vname = vintage.dataset, vintage.name
    staged = rawstore.read_staged(raw_dir, ds, vname)
    if staged is None:
        return _parse(
            vintage, column_map, None, raw_dir=raw_dir, parsed_dir=parsed_dir, force=force
        )
    try:
        outcome = _parse(
            vintage, column_map, staged, raw_dir=raw_dir, parsed_dir=parsed_dir, force=True
        )
    except ParseError as exc:
        rawstore.quarantine_staged(raw_dir, ds, vname, staged, str(exc))
        current = rawstore.read_manifest(raw_dir, ds, vname)
        first = next(iter(staged["parts"].values()))
        if current and current["parts"]:
            kept = next(iter(current["parts"].values()))
            stays = (
                f"the previous revision (sha256 {kept['sha256'][:16]}, fetched "
                f"{str(kept.get('fetched_at', ''))[:10]}) stays current"
            )
        else:
            stays = "no revision of this vintage has been accepted yet"
        raise ParseError(
            ds,
            vname,
            f"{exc.problem}; this revision (sha256 {first['sha256'][:16]}) was quarantined "
            f"and {stays}",
            where=exc.where,
            hint=exc.hint,
        ) from exc
    rawstore.publish_staged(raw_dir, ds, vname, staged)
    return outcome


def _parse(
    vintage: Vintage,
    column_map: str,
    staged: dict[str, Any] | None,
    *,
    raw_dir: Path,
    parsed_dir: Path,
    force: bool,
) -> ParseOutcome:
    ds, vname = vintage.dataset, vintage.name
    table_path, record_path, rejects_path = parsed_paths(parsed_dir, ds, vname)
    manifest = staged or rawstore.read_manifest(raw_dir, ds, vname)
    if manifest is None:
        damaged = rawstore.manifest_problem(raw_dir, ds, vname)
        raise ParseError(
            ds,
            vname,
            damaged or "nothing fetched yet",
            hint=f"run `gpect fetch -d {ds} -v {vname}`"
            + (", which rebuilds it" if damaged else " first"),
        )
    map_text = column_map_path(column_map).read_bytes()
    key = parse_key(vintage, manifest) + hashlib.sha256(map_text).hexdigest()[:16]
    previous = read_record(parsed_dir, ds, vname)
    if not force and previous and previous.get("key") == key:
        return ParseOutcome(
            ds, vname, "unchanged", previous["rows"], previous["rejected"], table_path
        )

    import pandas as pd

    from connectors.readers import read_frame
    from connectors.shared.cells import write_csv

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
    totals, warnings = check_contract(
        table, vintage, previous, _previous_vintage(parsed_dir, ds, vname), err
    )
    if "geometry" in table.columns:
        import geopandas as gpd

        geo = gpd.GeoDataFrame(table, geometry="geometry", crs="EPSG:4326")
        write_with(table_path, lambda tmp: geo.to_parquet(tmp, index=False))
    else:
        write_with(table_path, lambda tmp: table.to_parquet(tmp, index=False))
    if rejects:
        write_csv(pd.DataFrame(rejects), rejects_path)
    else:
        rejects_path.unlink(missing_ok=True)
    record = {
        "dataset": ds,
        "vintage": vname,
        "key": key,
        "rows": len(table),
        "rejected": rejected,
        "totals": totals,
        "warnings": warnings,
        "secret_cells": secrets,
        "columns": {c: str(t) for c, t in table.dtypes.items()},
        "ignored_source_columns": ignored,
        "raw_sha256": {p: e["sha256"] for p, e in manifest["parts"].items()},
        "parsed_at": rawstore.now(),
    }
    write_json(record_path, record)
    return ParseOutcome(ds, vname, "parsed", len(table), rejected, table_path, tuple(warnings))
