"""Damaged metadata affects its own dataset only: `gpect sources` names it with the repair command,
the other datasets read as before, and the next fetch repairs it without --force. A local mirror
is compared by content, so a file rewritten with the same size and mtime is still seen."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import pandas as pd
import pytest
from conftest import AFFELNET, FAST, PATHS, published_state

from connectors import digests, parse, rawstore
from flows.pipeline import ingest
from flows.pipeline.provenance import source_rows
from flows.pipeline.settings import load


def manifest_path(cfg, dataset="affelnet_capacities", vintage="2022"):
    return rawstore.vintage_dir(cfg.raw_dir, dataset, vintage) / rawstore.MANIFEST


def record_path(cfg, dataset="affelnet_capacities", vintage="2022"):
    return parse.parsed_paths(cfg.parsed_dir, dataset, vintage)[1]


def table_path(cfg, dataset="affelnet_capacities", vintage="2022"):
    return parse.parsed_paths(cfg.parsed_dir, dataset, vintage)[0]


def raw_file(cfg, dataset="affelnet_capacities", vintage="2022"):
    entry = rawstore.read_manifest(cfg.raw_dir, dataset, vintage)["parts"][""]
    return rawstore.vintage_dir(cfg.raw_dir, dataset, vintage) / entry["path"]


def overwrite(path, data: bytes) -> None:
    path.chmod(0o644)
    path.write_bytes(data)


# name → how the damage is done, what `gpect sources` says about it
DAMAGE = {
    "manifest is not JSON": (
        lambda cfg: manifest_path(cfg).write_text("{", encoding="utf-8"),
        "manifest.json is unreadable (JSONDecodeError",
    ),
    "manifest is a list": (
        lambda cfg: manifest_path(cfg).write_text("[]", encoding="utf-8"),
        "manifest.json is not a JSON object",
    ),
    "manifest part lacks its sha256": (
        lambda cfg: manifest_path(cfg).write_text('{"parts": {"": {}}}', encoding="utf-8"),
        "manifest.json: part '' lacks its sha256 or path",
    ),
    "manifest deleted": (
        lambda cfg: manifest_path(cfg).unlink(),
        "manifest.json is missing: the parsed table's source is unrecorded",
    ),
    "raw file deleted": (
        lambda cfg: raw_file(cfg).unlink(),
        "listed in manifest.json is missing",
    ),
    "record is not JSON": (
        lambda cfg: record_path(cfg).write_bytes(b"\x00\xff"),
        "record.json is unreadable",
    ),
    "record lacks its row count": (
        lambda cfg: record_path(cfg).write_text('{"key": "k"}', encoding="utf-8"),
        "record.json lacks a valid 'rows'",
    ),
    "parsed table deleted": (
        lambda cfg: table_path(cfg).unlink(),
        "table.parquet is missing, unreadable or not the 3 rows recorded",
    ),
    "parsed table truncated": (
        lambda cfg: table_path(cfg).write_bytes(table_path(cfg).read_bytes()[:100]),
        "table.parquet is missing, unreadable",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_metadata_is_reported_and_repaired_by_the_next_fetch(pipeline, damage):
    cfg = pipeline.cfg
    do, problem = DAMAGE[damage]
    good = published_state(cfg)
    do(cfg)

    rows = {(r["dataset"], r["vintage"]): r for r in ingest.inventory(cfg)}
    hurt = rows[("affelnet_capacities", "2022")]
    assert problem in hurt["problem"]
    assert hurt["repair"] == "gpect fetch -d affelnet_capacities -v 2022"
    assert rows[("bmo", "2024")]["problem"] is None and rows[("bmo", "2024")]["rows"] == 40
    # the reports' sources section still renders (the damaged vintage shows no file or row)
    rows = source_rows({"affelnet_capacities", "bmo"}, cfg.raw_dir, cfg.parsed_dir)
    assert {r["rows"] for r in rows if (r["dataset"], r["vintage"]) == ("bmo", "2024")} == {40}

    repaired = pipeline.ingest()  # no --force
    assert repaired["affelnet_capacities"].rows == 3, repaired
    assert {r.status for r in repaired.values()} <= {"downloaded", "unchanged"}
    assert all(r["problem"] is None for r in ingest.inventory(cfg) if r["present"])
    after = published_state(cfg)
    # same data again: the table, the revision and the other datasets are as before
    same = {k: v for k, v in good.items() if not k.endswith(("record.json", "manifest.json"))}
    assert {k: after[k] for k in same} == same
    assert rawstore.read_manifest(cfg.raw_dir, "affelnet_capacities", "2022")["parts"][""][
        "sha256"
    ] == rawstore.sha256_file(raw_file(cfg))


def test_an_altered_raw_file_is_downloaded_again_without_force(pipeline):
    cfg = pipeline.cfg
    # An old fetch date makes a repair that forgot it visible without waiting for the clock.
    manifest = json.loads(manifest_path(cfg).read_text(encoding="utf-8"))
    manifest["parts"][""]["fetched_at"] = "2020-01-01T00:00:00+00:00"
    manifest_path(cfg).write_text(json.dumps(manifest), encoding="utf-8")
    before = published_state(cfg)
    overwrite(raw_file(cfg), AFFELNET.replace(b";24;", b";99;"))
    again = pipeline.ingest("affelnet_capacities")["affelnet_capacities"]
    assert again.status == "unchanged"
    assert raw_file(cfg).read_bytes() == AFFELNET
    assert published_state(cfg) == before  # the same revision, fetched in 2020


def test_a_raw_file_altered_after_its_digest_was_recorded_is_downloaded_again(
    pipeline, monkeypatch
):
    monkeypatch.setattr(digests, "RACY_NS", 0)  # trust digests of files written milliseconds ago
    cfg = pipeline.cfg
    assert pipeline.ingest("affelnet_capacities")["affelnet_capacities"].status == "unchanged"
    record = cfg.data_dir / ingest.DIGESTS / "affelnet_capacities.2022.json"
    assert str(raw_file(cfg)) in json.loads(record.read_text())
    stamp = raw_file(cfg).stat()
    overwrite(raw_file(cfg), AFFELNET.replace(b";24;", b";99;"))
    os.utime(raw_file(cfg), ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert raw_file(cfg).stat().st_size == stamp.st_size
    again = pipeline.ingest("affelnet_capacities")["affelnet_capacities"]
    assert again.status == "unchanged"
    assert raw_file(cfg).read_bytes() == AFFELNET


def test_a_staged_revision_whose_parse_never_ran_is_staged_again(pipeline):
    """A run killed between download and parse leaves `staged.json`; it never becomes current
    on its own, and the next fetch stages and parses the revision again."""
    cfg = pipeline.cfg
    staged = rawstore.vintage_dir(cfg.raw_dir, "affelnet_capacities", "2022") / rawstore.STAGED
    before = published_state(cfg)
    staged.write_text("{broken", encoding="utf-8")
    assert published_state(cfg) == before
    assert pipeline.ingest("affelnet_capacities")["affelnet_capacities"].status == "unchanged"
    assert not staged.exists()


def test_a_local_mirror_file_rewritten_with_the_same_size_and_mtime_is_read_again(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "bmo").mkdir(parents=True)
    source = mirror / PATHS[("affelnet_capacities", "2022")]
    source.write_bytes(AFFELNET)
    map_path = tmp_path / "map.csv"
    map_path.write_text(f"dataset,vintage,path\naffelnet_capacities,2022,{source.name}\n")
    cfg = replace(
        load().with_overrides(data_dir=tmp_path / "data", mirror=str(mirror), mirror_map=map_path),
        http=FAST,
    )
    (first,) = ingest.ingest(cfg, datasets=["affelnet_capacities"], vintages=["2022"])
    assert first.status == "downloaded"
    stamp = source.stat()
    changed = AFFELNET.replace(b";24;", b";42;")
    assert len(changed) == len(AFFELNET)
    source.write_bytes(changed)
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert (source.stat().st_size, source.stat().st_mtime_ns) == (stamp.st_size, stamp.st_mtime_ns)

    (second,) = ingest.ingest(cfg, datasets=["affelnet_capacities"], vintages=["2022"])
    assert second.status == "downloaded"
    table = pd.read_parquet(parse.parsed_paths(cfg.parsed_dir, "affelnet_capacities", "2022")[0])
    assert 42 in table["capacity_count"].tolist()
    (third,) = ingest.ingest(cfg, datasets=["affelnet_capacities"], vintages=["2022"])
    assert third.status == "unchanged"
