"""Provenance frozen at build time: table `meta_sources` of the warehouse, one row per dataset ×
vintage × raw part the build read, with what the raw manifest and the catalogue said then
(URL asked, final host, sha256, bytes, fetch date, publisher, licence, titles) and the rows of the
parsed vintage.

Reports and exports read provenance from this table only, so what they show is what the
warehouse was built from, even after a later fetch replaced a manifest on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from connectors import parse, rawstore, registry

SOURCES_TABLE = "meta_sources"
# The report's maps read these parsed contours at render time (no spatial extension offline, so
# geometry stays out of the warehouse); they are recorded like any source the build reads.
MAP_POLYGONS = ("commune_polygons", "cog2018")

_COLUMNS = {
    "dataset": "varchar",
    "vintage": "varchar",
    # the vintage's position in the catalogue, which lists a dataset's vintages in reading order
    "vintage_order": "integer",
    "part": "varchar",
    "title": "varchar",
    "title_fr": "varchar",
    "publisher": "varchar",
    "licence": "varchar",
    "documentation": "varchar",
    "source_url": "varchar",
    "url_asked": "varchar",
    "final_host": "varchar",
    "sha256": "varchar",
    "bytes": "bigint",
    "fetched_at": "varchar",
    "rows": "bigint",
}


def map_polygons_path(parsed_dir: Path) -> Path:
    table, _, _ = parse.parsed_paths(parsed_dir, *MAP_POLYGONS)
    return table


def _parts_read(manifest: dict[str, Any], record: dict[str, Any] | None) -> dict[str, dict]:
    """The manifest entries of the raw files the parsed table was made from: the parse record's
    sha256 of each part, looked up among the current parts and then the replaced revisions (a
    refresh may have replaced a manifest since that parse)."""
    current = manifest.get("parts", {})
    wanted = (record or {}).get("raw_sha256")
    if not wanted:
        return current
    revisions = [current, *(h["parts"] for h in reversed(manifest.get("history", [])))]
    found = {}
    for part, sha in wanted.items():
        found[part] = next(
            (r[part] for r in revisions if r.get(part, {}).get("sha256") == sha), {"sha256": sha}
        )
    return found


def source_rows(datasets: set[str], raw_dir: Path, parsed_dir: Path) -> list[dict[str, Any]]:
    """A row per part of every parsed vintage of `datasets` (the vintages `register_sources`
    unions into `src_<dataset>`); a vintage whose manifest is missing gets one row without a
    part, so that it is still listed."""
    rows = []
    for ds_id in sorted(datasets):
        ds = registry.get(ds_id)
        for order, (name, vintage) in enumerate(ds.vintages.items()):
            table, _, _ = parse.parsed_paths(parsed_dir, ds_id, name)
            if not table.exists():
                continue
            record = parse.read_record(parsed_dir, ds_id, name)
            manifest = rawstore.read_manifest(raw_dir, ds_id, name) or {"parts": {}}
            if vintage.url:
                url = vintage.url
            else:
                url = f"https://www.data.gouv.fr/fr/datasets/{vintage.datagouv.slug}/"
            common = {
                "dataset": ds_id,
                "vintage": name,
                "vintage_order": order,
                "title": ds.title,
                "title_fr": ds.title_fr,
                "publisher": ds.publisher,
                "licence": ds.licence,
                "documentation": ds.documentation,
                "source_url": url,
                "rows": record["rows"] if record else None,
            }
            parts = _parts_read(manifest, record) or {None: {}}
            for part, entry in sorted(parts.items(), key=lambda p: p[0] or ""):
                rows.append(
                    {
                        **common,
                        "part": part,
                        "url_asked": entry.get("url_asked"),
                        "final_host": entry.get("final_host"),
                        "sha256": entry.get("sha256"),
                        "bytes": entry.get("bytes"),
                        "fetched_at": entry.get("fetched_at"),
                    }
                )
    return rows


def record_sources(con: duckdb.DuckDBPyConnection, raw_dir: Path, parsed_dir: Path) -> None:
    """Write `meta_sources` for the datasets of the `src_<dataset>` views registered so far and
    the map's polygons."""
    views = con.execute(
        "select table_name from information_schema.tables "
        "where table_name like 'src\\_%' escape '\\'"
    ).fetchall()
    datasets = {name.removeprefix("src_") for (name,) in views}
    rows = source_rows(datasets | {MAP_POLYGONS[0]}, raw_dir, parsed_dir)
    columns = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
    con.execute(f"create table {SOURCES_TABLE} ({columns})")
    if not rows:  # DuckDB refuses an executemany without parameter sets
        return
    placeholders = ", ".join("?" for _ in _COLUMNS)
    con.executemany(
        f"insert into {SOURCES_TABLE} values ({placeholders})",  # noqa: S608
        [[row[name] for name in _COLUMNS] for row in rows],
    )
