"""The build's provenance table: what `meta_sources` holds is what the raw manifests and the
parse records said when the warehouse was built."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from connectors import parse, rawstore, registry
from flows.pipeline import provenance

OLD, NEW = "aa" * 32, "bb" * 32


def entry(sha: str, fetched_at: str) -> dict:
    return {
        "url_asked": f"https://example.org/{sha[:4]}.xlsx",
        "final_url": f"https://files.example.org/{sha[:4]}.xlsx",
        "final_host": "files.example.org",
        "sha256": sha,
        "bytes": 1234,
        "fetched_at": fetched_at,
        "path": f"{sha[:16]}/file.xlsx",
    }


def parsed(parsed_dir: Path, dataset: str, vintage: str, rows: int, raw: dict | None) -> None:
    table, record, _ = parse.parsed_paths(parsed_dir, dataset, vintage)
    table.parent.mkdir(parents=True)
    pd.DataFrame({"x": range(rows)}).to_parquet(table)
    doc = {"rows": rows, "rejected": 0, "key": "k"}
    if raw is not None:
        doc["raw_sha256"] = raw
    record.write_text(json.dumps(doc))


def manifest(raw_dir: Path, dataset: str, vintage: str, doc: dict) -> None:
    path = rawstore.vintage_dir(raw_dir, dataset, vintage) / rawstore.MANIFEST
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(doc))


def sources(tmp_path: Path) -> list[dict]:
    con = duckdb.connect()
    con.execute("create view src_bmo as select 1 as x")
    provenance.record_sources(con, tmp_path / "raw", tmp_path / "parsed")
    cursor = con.execute("select * from meta_sources order by dataset, vintage")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_meta_sources_holds_the_manifest_and_catalogue_at_build_time(tmp_path):
    raw, parsed_dir = tmp_path / "raw", tmp_path / "parsed"
    current = entry(NEW, "2026-02-01T08:00:00+00:00")
    manifest(raw, "bmo", "2024", {"parts": {"": current}})
    parsed(parsed_dir, "bmo", "2024", 40, {"": NEW})
    parsed(parsed_dir, "bmo", "2025", 7, None)  # parsed, its manifest lost: listed, no file
    rows = sources(tmp_path)

    bmo = registry.get("bmo")
    assert [(r["vintage"], r["part"], r["sha256"]) for r in rows] == [
        ("2024", "", NEW),
        ("2025", None, None),
    ]
    first = rows[0]
    assert {k: first[k] for k in ("url_asked", "final_host", "bytes", "fetched_at", "rows")} == {
        "url_asked": current["url_asked"],
        "final_host": current["final_host"],
        "bytes": current["bytes"],
        "fetched_at": current["fetched_at"],
        "rows": 40,
    }
    assert (first["title"], first["publisher"], first["licence"]) == (
        bmo.title,
        bmo.publisher,
        bmo.licence,
    )
    assert first["title_fr"] == bmo.title_fr and first["source_url"] == bmo.vintages["2024"].url
    # The map's polygons are recorded with the datasets SQL reads (none parsed here).
    assert {r["dataset"] for r in rows} == {"bmo"}


def test_the_part_recorded_is_the_one_the_parsed_table_was_made_from(tmp_path):
    raw, parsed_dir = tmp_path / "raw", tmp_path / "parsed"
    older = entry(OLD, "2025-01-01T08:00:00+00:00")
    newer = entry(NEW, "2026-02-01T08:00:00+00:00")
    # A revision downloaded after the last parse, current in the manifest but not yet parsed.
    history = [{"replaced_at": "2026-02-01T08:00:00+00:00", "parts": {"": older}}]
    manifest(raw, "bmo", "2024", {"parts": {"": newer}, "history": history})
    parsed(parsed_dir, "bmo", "2024", 40, {"": OLD})
    (row,) = sources(tmp_path)
    assert (row["sha256"], row["fetched_at"]) == (OLD, older["fetched_at"])
