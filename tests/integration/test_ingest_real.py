"""Fetch the whole of shared/opendata through the HTTP mirror and check real figures."""

from __future__ import annotations

import duckdb
import pytest

from connectors import registry
from connectors.mirror import load_map
from flows.pipeline import ingest

pytestmark = pytest.mark.realdata


def parquet(cfg, dataset: str, vintage: str) -> list[str]:
    return [str(cfg.parsed_dir / dataset / vintage / "table.parquet")]


def test_every_mirrored_vintage_ingests(ingested):
    cfg, results = ingested
    by_status = {}
    for r in results:
        by_status.setdefault(r.status, []).append(f"{r.dataset}/{r.vintage}: {r.message}")
    assert "failed" not in by_status, by_status["failed"]
    mirrored = {(r.dataset, r.vintage) for r in results if r.status == "downloaded"}
    assert mirrored == set(load_map())
    assert all(r.rows and r.rows > 0 for r in results if r.status == "downloaded")


def test_bmo_2024_real_figures(ingested):
    cfg, _ = ingested
    rows, bassins, metiers, met, secret = duckdb.execute(
        """select count(*), count(distinct bassin_code), count(distinct metier_code),
                   sum(hiring_projects_count), count(*) filter (hiring_projects_count_is_secret)
            from read_parquet(?)""",
        parquet(cfg, "bmo", "2024"),
    ).fetchone()
    assert 52_000 < rows < 54_000
    assert bassins == 406 and metiers == 217
    assert 2_700_000 < met < 2_800_000
    assert secret > 5_000  # secret cells are flagged, not zero


def test_bmo_2025_real_figures(ingested):
    cfg, _ = ingested
    rows, bassins, metiers, nomenclature, met, secret, min_len = duckdb.execute(
        """select count(*), count(distinct bassin_code), count(distinct metier_code),
                   any_value(metier_nomenclature), sum(hiring_projects_count),
                   count(*) filter (hiring_projects_count_is_secret), min(length(bassin_code))
            from read_parquet(?)""",
        parquet(cfg, "bmo", "2025"),
    ).fetchone()
    # the publisher's figures (../shared/opendata/README.md): 50,076 rows, 11,452 secret cells
    assert rows == 50_076 and secret == 11_452
    assert bassins == 406 and metiers == 217 and nomenclature == "FAP2021"
    assert 2_350_000 < met < 2_450_000
    assert min_len == 4  # numeric BE25 cells (101.0) become zero-padded codes


def test_bmo_2023_uses_fap2009_codes_and_its_own_column_order(ingested):
    cfg, _ = ingested
    nomenclature, metiers, met, min_len = duckdb.execute(
        """select any_value(metier_nomenclature), count(distinct metier_code),
                   sum(hiring_projects_count), min(length(bassin_code))
            from read_parquet(?)""",
        parquet(cfg, "bmo", "2023"),
    ).fetchone()
    assert nomenclature == "FAP2009" and metiers == 199
    assert 2_950_000 < met < 3_050_000
    assert min_len == 4


def test_second_fetch_downloads_nothing(ingested, mirror_server):
    cfg, first = ingested
    _, statuses = mirror_server
    before = len(statuses)
    second = ingest.ingest(cfg)
    new = statuses[before:]
    assert new and set(new) == {304}, f"expected only 304 answers, got {sorted(set(new))}"
    assert {r.status for r in second} <= {"unchanged", "not in mirror"}
    assert [r.rows for r in second] == [r.rows for r in first]


def test_sources_inventory_reports_sha256_and_fetch_time(ingested):
    cfg, _ = ingested
    rows = {(r["dataset"], r["vintage"]): r for r in ingest.inventory(cfg)}
    bmo = rows[("bmo", "2024")]
    assert bmo["present"] and len(bmo["sha256"]) == 64 and bmo["fetched_at"]
    assert rows[("bmo", "2025")]["present"]
    assert not rows[("acv", "current")]["present"]  # the data.gouv.fr list of the day: not mirrored
    assert len(rows) == sum(len(d.vintages) for d in registry.catalog().values())
