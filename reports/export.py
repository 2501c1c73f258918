"""Exports for analysts, GIS users and open-data portals: every mart as Parquet and CSV, the town
and catchment indicators with geometry as a GeoPackage and as GeoParquet (towns as points,
catchments as the union of their communes' polygons), and a `datapackage.json` describing every
exported table (Frictionless Data Package with a Table Schema per table: field types, units,
descriptions in French and English, licences and the sources with their sha256).

Field descriptions live in `reports/export_fields.csv` (one row per column name, whatever mart it
is in); a mart column without one stops the export, so that nothing is published undescribed.
"""

from __future__ import annotations

import csv as csv_module
import json
import re
import warnings
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from connectors.shared.cells import write_csv
from connectors.shared.files import write_json, write_with
from reports import data

FIELDS_FILE = Path(__file__).with_name("export_fields.csv")
SQL_DIR = Path(__file__).resolve().parent.parent / "sql" / "marts"
PROFILE = "tabular-data-package"
GPKG_EXTENSION_WARNING = r".*(filename extension should be 'gpkg'|non conformant file extension)"


# The two layers, as the GeoPackage (layer description) and the data package describe them.
LAYERS = {
    "towns": (
        "Villes candidates (points) et leur profil : population, marché du travail, programmes, "
        "zone de 30 minutes (mart_town__profile).",
        "Candidate towns (points) with their profile: population, labour market, programmes, "
        "30-minute catchment (mart_town__profile).",
    ),
    "catchments": (
        "Zones de 30 minutes des villes candidates (union des polygones de leurs communes) et "
        "leurs indicateurs, avec les filières recommandées.",
        "30-minute catchments of the candidate towns (union of their communes' polygons) with "
        "their indicators and recommended sectors.",
    ),
}


class ExportError(RuntimeError):
    """The export cannot describe what it would publish (a column without a description)."""


def field_dictionary() -> dict[str, dict[str, str]]:
    with FIELDS_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["name"]: row for row in csv_module.DictReader(fh)}


def _schema_type(duckdb_type: str) -> str:
    """The Table Schema type of a DuckDB column type."""
    if duckdb_type.endswith("[]"):
        return "array"
    if duckdb_type in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT"):
        return "integer"
    if duckdb_type in ("DOUBLE", "FLOAT", "REAL") or duckdb_type.startswith("DECIMAL"):
        return "number"
    if duckdb_type == "BOOLEAN":
        return "boolean"
    if duckdb_type.startswith("TIMESTAMP"):
        return "datetime"
    if duckdb_type == "DATE":
        return "date"
    return "string"


def _is_population(name: str) -> bool:
    # Census populations of catchments are sums of weighted counts (fractions of a person):
    # published rounded to whole people.
    return name.endswith("population")


def _json_array(value) -> str | None:
    if value is None or (not hasattr(value, "__len__") and pd.isna(value)):
        return None
    return json.dumps(pd.Series(value, dtype=object).tolist(), ensure_ascii=False, default=int)


def typed_frame(frame: pd.DataFrame, types: dict[str, str], *, csv: bool = False) -> pd.DataFrame:
    """`frame` as it is exported: integers as nullable integers (DuckDB HUGEINT reaches pandas as
    float), populations rounded to whole people; in CSV, lists as JSON arrays (Table Schema
    `array`), in Parquet they stay lists."""
    out = frame.copy()
    for name, kind in types.items():
        if kind == "array":
            if csv:
                out[name] = out[name].map(_json_array)
        elif kind == "integer" or (_is_population(name) and kind == "number"):
            out[name] = out[name].round().astype("Int64")
    return out


def table_schema(types: dict[str, str], fields: dict[str, dict[str, str]]) -> dict:
    """A Table Schema for columns `types` (name → Table Schema type)."""
    missing = sorted(set(types) - set(fields))
    if missing:
        raise ExportError(
            f"columns without a description: {', '.join(missing)}; add them to {FIELDS_FILE}"
        )
    out = []
    for name, kind in types.items():
        if _is_population(name) and kind == "number":
            kind = "integer"
        f = fields[name]
        spec = {
            "name": name,
            "type": kind,
            "description": f["description_fr"],
            "description_en": f["description_en"],
        }
        if f["unit"]:
            spec["unit"] = f["unit"]
        if kind == "boolean":
            spec["trueValues"], spec["falseValues"] = ["true"], ["false"]
        out.append(spec)
    return {"fields": out, "missingValues": [""]}


def _mart_purpose(mart: str) -> str:
    """The `-- purpose:` comment of the mart's SQL file, as one line."""
    path = SQL_DIR / f"{mart}.sql"
    if not path.is_file():
        return ""
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-- purpose:"):
            inside = True
            lines.append(line.removeprefix("-- purpose:").strip())
        elif inside and line.startswith("--") and not re.match(r"--\s*\w+:", line):
            lines.append(line.removeprefix("--").strip())
        elif inside:
            break
    return " ".join(lines)


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return {name: _schema_type(kind) for name, kind in rows}


def _sources(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every dataset vintage the build read (meta_build.vintages) with its publisher, URL,
    licence and the sha256 of each downloaded file, as the build recorded them (meta_sources)."""
    built = {(v["dataset"], v["vintage"]) for v in json.loads(_build_row(con)["vintages"])}
    out = []
    for source in data.provenance(con):
        # datasets read whole (no vintage choice) are listed by all their parsed vintages
        chosen = {v for d, v in built if d == source.dataset}
        if chosen and source.vintage not in chosen:
            continue
        out.append(
            {
                "title": f"{source.title} ({source.vintage})",
                "path": source.url,
                "publisher": source.publisher,
                "licence": source.licence,
                "documentation": source.documentation,
                "files": [
                    {
                        "part": f.part,
                        "sha256": f.sha256,
                        "bytes": f.bytes,
                        "fetched_at": f.fetched_at,
                    }
                    for f in source.files
                ],
            }
        )
    return out


def _build_row(con: duckdb.DuckDBPyConnection) -> dict:
    row = con.execute(
        "select cast(built_at as varchar) as built_at, cast(vintages as varchar) as vintages "
        "from meta_build order by built_at desc limit 1"
    ).fetchone()
    return {"built_at": row[0], "vintages": row[1]}


def _licences(sources: list[dict]) -> list[dict]:
    """The package's licence: the Licence Ouverte 2.0 of gpect's derived tables; each source keeps
    its own, listed with it."""
    names = sorted({source["licence"] for source in sources})
    return [
        {
            "name": "etalab-2.0",
            "title": "Licence Ouverte / Open Licence 2.0",
            "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "sources_licences": names,
        }
    ]


def export(warehouse: Path, commune_polygons: Path, out_dir: Path) -> dict[str, Path]:
    """Write marts, the GeoPackage, the GeoParquet layers and datapackage.json to `out_dir`;
    returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fields = field_dictionary()
    written: dict[str, Path] = {}
    resources = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_name like 'mart\\_%' escape '\\' order by 1"
            ).fetchall()
        ]
        schemas = {mart: table_schema(_column_types(con, mart), fields) for mart in marts}
        for mart in marts:
            types = _column_types(con, mart)
            frame = typed_frame(con.table(mart).df(), types)
            parquet, csv_path = out_dir / f"{mart}.parquet", out_dir / f"{mart}.csv"
            write_with(parquet, lambda p, f=frame: f.to_parquet(p, index=False))
            # Labels come from the data: no CSV cell may open as a formula.
            as_csv = typed_frame(frame, types, csv=True)
            write_csv(as_csv, csv_path)
            written[parquet.name], written[csv_path.name] = parquet, csv_path
            resources.append(_csv_resource(mart, csv_path, schemas[mart], _mart_purpose(mart)))
        towns_types = {
            k: v
            for k, v in _column_types(con, "mart_town__profile").items()
            if k not in ("latitude", "longitude")
        }
        catchment_types = {
            name: _schema_type(kind)
            for name, kind, *_ in con.execute(f"describe {data.sql('export_towns')}").fetchall()
        }
        towns = typed_frame(con.execute(data.sql("export_towns")).df(), catchment_types)
        profile = typed_frame(
            con.sql("select * from mart_town__profile order by town_code").df(),
            _column_types(con, "mart_town__profile"),
        )
        members = con.execute(
            "select k.town_code, m.old_code from mart_town__catchment_communes as k "
            "join int_geo__code_passage as m on m.current_code = k.commune_code"
        ).df()
        sources = _sources(con)
        built_at = _build_row(con)["built_at"]
    finally:
        con.close()

    polygons = gpd.read_parquet(commune_polygons)[["commune_code", "geometry"]]
    # Polygons are COG 2018: a catchment takes every former commune that became one of its members.
    shapes = polygons.merge(members, left_on="commune_code", right_on="old_code")
    catchments = shapes.dissolve(by="town_code")[["geometry"]].reset_index()
    catchments = catchments.merge(towns, on="town_code", how="right")
    catchments = gpd.GeoDataFrame(catchments, geometry="geometry", crs="EPSG:4326")
    points = gpd.GeoDataFrame(
        profile.drop(columns=["latitude", "longitude"]),
        geometry=gpd.points_from_xy(profile["longitude"], profile["latitude"]),
        crs="EPSG:4326",
    )
    layers = {"towns": points, "catchments": catchments}
    gpkg = out_dir / "gpect_towns.gpkg"

    def write_gpkg(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)
        with warnings.catch_warnings():
            # GDAL wants a `.gpkg` name; the work file's `.tmp` name (the one the lock's clean-up
            # removes) is renamed to one once complete.
            warnings.filterwarnings("ignore", GPKG_EXTENSION_WARNING, RuntimeWarning)
            for i, (name, frame) in enumerate(layers.items()):
                frame.to_file(
                    tmp,
                    layer=name,
                    driver="GPKG",
                    mode="a" if i else "w",
                    layer_options={"IDENTIFIER": name, "DESCRIPTION": " / ".join(LAYERS[name])},
                    # GeoPackage 1.2: GDAL 3.6 (Debian 12's ogrinfo, QGIS LTR) warns that 1.4
                    # "may only be partially supported".
                    **({} if i else {"dataset_options": {"VERSION": "1.2"}}),
                )

    write_with(gpkg, write_gpkg)
    written[gpkg.name] = gpkg
    layer_types = {"towns": towns_types, "catchments": catchment_types}
    for name, frame in layers.items():
        path = out_dir / f"gpect_{name}.parquet"
        write_with(path, lambda p, f=frame: f.to_parquet(p, index=False))
        written[path.name] = path
        resources.append(_geo_resource(name, path, table_schema(layer_types[name], fields)))

    package = {
        "profile": PROFILE,
        "name": "gpect-diagnostic-territorial",
        "title": "Diagnostic territorial des besoins en compétences (GPECT) des villes candidates",
        "description": (
            "Tables produites par gpect à partir de données publiques : besoins de recrutement "
            "(BMO), offre de formation accessible, classement des filières par ville et profil "
            "des villes candidates. / Tables gpect derives from public open data: hiring needs "
            "(BMO), accessible training supply, sector ranking per town and candidate-town "
            "profiles."
        ),
        "created": built_at,
        "licenses": _licences(sources),
        "sources": sources,
        "resources": resources,
    }
    path = out_dir / "datapackage.json"
    write_json(path, package)
    written[path.name] = path
    return written


def _csv_resource(name: str, path: Path, schema: dict, purpose: str) -> dict:
    return {
        "name": name,
        "path": path.name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": '"', "lineTerminator": "\r\n"},
        "description": purpose,
        "alternates": [f"{path.stem}.parquet"],
        "schema": schema,
    }


def _geo_resource(name: str, path: Path, schema: dict) -> dict:
    fr, en = LAYERS[name]
    schema = {
        **schema,
        "fields": [
            *schema["fields"],
            {
                "name": "geometry",
                "type": "any",
                "description": "Géométrie (WKB, EPSG:4326)",
                "description_en": "Geometry (WKB, EPSG:4326)",
            },
        ],
    }
    return {
        "name": f"gpect_{name}",
        "path": path.name,
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "description": f"{fr} / {en} GeoParquet ; même couche « {name} » dans gpect_towns.gpkg.",
        "schema": schema,
    }
