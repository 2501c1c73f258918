"""Read a raw file into a frame of strings, exactly as the catalogue declares its format.

Nothing is guessed: encoding, separator, sheet, header offset, archive member and JSON record
path all come from the catalogue, and any mismatch stops with a message naming the file and what
was expected. Every row keeps `source_row`, its 1-based line (or sheet row) in the source file.
"""

from __future__ import annotations

import fnmatch
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from connectors.errors import ParseError


def _is_archive(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        # xlsx files are zip containers too; only a plain archive needs a member chosen.
        return "[Content_Types].xml" not in zf.namelist()


def open_source(
    path: Path, fmt: dict[str, Any], err: dict[str, str]
) -> tuple[io.BytesIO | Path, str]:
    """The bytes to parse (the archive member when the download is a zip) and their name."""
    if not _is_archive(path):
        return path, path.name
    pattern = fmt.get("member")
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        chosen = [n for n in names if pattern and fnmatch.fnmatch(Path(n).name, pattern)]
        if len(chosen) != 1:
            raise ParseError(
                problem=f"archive member pattern {pattern!r} matches {len(chosen)} of {names[:10]}",
                hint="set format.member in connectors/catalog to select exactly one file",
                where=path.name,
                **err,
            )
        return io.BytesIO(zf.read(chosen[0])), f"{path.name}!{chosen[0]}"


def _strings(frame: pd.DataFrame) -> pd.DataFrame:
    def cell(value: Any) -> Any:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return pd.NA
        if isinstance(value, list):
            return "|".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return frame.map(cell).astype("string")


def _read_csv(src: io.BytesIO | Path, fmt: dict[str, Any]) -> pd.DataFrame:
    return pd.read_csv(
        src,
        sep=fmt["sep"],
        encoding=fmt["encoding"],
        dtype=str,
        keep_default_na=False,  # declared null markers only (format.na_values)
        skiprows=fmt.get("skiprows", 0),
        header=0 if fmt.get("header", True) else None,
        quotechar=fmt.get("quotechar", '"'),
        engine="c",
    )


def _sheet_names(src: io.BytesIO | Path) -> list[str]:
    if isinstance(src, io.BytesIO):
        src.seek(0)
        names = CalamineWorkbook.from_filelike(src).sheet_names
        src.seek(0)
        return names
    return CalamineWorkbook.from_path(str(src)).sheet_names


def _read_excel(
    src: io.BytesIO | Path, fmt: dict[str, Any], vintage: str, err: dict
) -> pd.DataFrame:
    sheet = str(fmt.get("sheet", 0)).format(vintage=vintage)
    sheets = _sheet_names(src)
    if fmt.get("sheet") is not None and sheet not in sheets:
        raise ParseError(
            problem=f"no sheet {sheet!r}; the workbook has {sheets}",
            hint="the publisher renamed the sheet: set format.sheet for this vintage",
            **err,
        )
    return pd.read_excel(
        src,
        sheet_name=sheet if fmt.get("sheet") is not None else 0,
        engine="calamine",
        dtype=str,
        # Only the catalogue's declared null markers are nulls: pandas' defaults would turn
        # "n/a", "NA", "null"… into NULLs without a trace (an empty cell stays "").
        keep_default_na=False,
        skiprows=fmt.get("skiprows", 0),
        header=0 if fmt.get("header", True) else None,
    )


def _read_json(src: io.BytesIO | Path, fmt: dict[str, Any]) -> pd.DataFrame:
    raw = src.getvalue() if isinstance(src, io.BytesIO) else src.read_bytes()
    doc = json.loads(raw.decode(fmt.get("encoding", "utf-8")))
    for key in filter(None, str(fmt.get("records", "")).split(".")):
        doc = doc[key]
    if not isinstance(doc, list):
        raise TypeError(f"JSON records path {fmt.get('records')!r} does not lead to a list")
    explode = fmt.get("explode")
    if explode:
        meta = sorted({k for rec in doc for k, v in rec.items() if not isinstance(v, list | dict)})
        return pd.json_normalize(doc, record_path=explode, meta=meta, record_prefix=f"{explode}.")
    return pd.DataFrame.from_records(doc)


def _read_geo(src: io.BytesIO | Path, fmt: dict[str, Any]) -> pd.DataFrame:
    import geopandas as gpd

    layer = fmt.get("layer")
    gdf = gpd.read_file(src, layer=layer) if layer else gpd.read_file(src)
    return gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf.set_crs("EPSG:4326")


def read_frame(path: Path, fmt: dict[str, Any], *, dataset: str, vintage: str) -> pd.DataFrame:
    err = dict(dataset=dataset, vintage=vintage)
    src, name = open_source(path, fmt, err)
    err_where = dict(err, where=name)
    kind = fmt["kind"]
    try:
        if kind == "csv":
            frame = _read_csv(src, fmt)
        elif kind in ("xlsx", "xls"):
            frame = _read_excel(src, fmt, vintage, err_where)
        elif kind == "json":
            frame = _read_json(src, fmt)
        else:
            frame = _read_geo(src, fmt)
    except ParseError:
        raise
    except UnicodeDecodeError as exc:
        raise ParseError(
            problem=f"bytes are not valid {fmt.get('encoding')} ({exc.reason} at byte {exc.start})",
            hint="the publisher changed the encoding: set format.encoding for this vintage",
            **err_where,
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise ParseError(
            problem="the file is empty", hint="re-fetch with --force", **err_where
        ) from exc
    # CalamineError: a damaged workbook (e.g. a truncated xlsx has no zip directory).
    except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile, CalamineError) as exc:
        raise ParseError(
            problem=f"cannot read as {kind}: {exc}",
            hint="the file is corrupt or not in the declared format; re-fetch or fix the catalogue",
            **err_where,
        ) from exc
    if not fmt.get("header", True):
        frame.columns = [f"col{i + 1}" for i in range(frame.shape[1])]
    geometry = (
        frame["geometry"] if "geometry" in frame.columns and kind in ("geojson", "gpkg") else None
    )
    data = frame.drop(columns=["geometry"]) if geometry is not None else frame
    # csv and Excel were read as text already; JSON and geo attributes still hold numbers and lists.
    out = _strings(data) if kind in ("json", "geojson", "gpkg") else data.astype("string")
    out.columns = [str(c) for c in out.columns]
    header_lines = fmt.get("skiprows", 0) + (1 if fmt.get("header", True) else 0)
    out["source_row"] = pd.array(
        range(header_lines + 1, header_lines + 1 + len(out)), dtype="Int64"
    )
    if geometry is not None:
        out["geometry"] = geometry.values
    return out
