"""Test helpers: run a file through the real store + parse path without any network."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from connectors import parse, rawstore, registry
from connectors.http import HttpConfig, copy_local
from connectors.registry import Vintage
from connectors.shared.files import write_json

# The header row of France Travail's BMO workbook from 2024 on (../shared/opendata/README.md).
BMO_HEADER_2024 = [
    "annee",
    "Code métier BMO",
    "Nom métier BMO",
    "Famille_met",
    "Lbl_fam_met",
    "REG",
    "NOM_REG",
    "Dept",
    "NomDept",
    "BE24",
    "NOMBE24",
    "met",
    "xmet",
    "smet",
]


def store_file(raw_dir: Path, vintage: Vintage, path: Path, part: str = "") -> dict:
    """Put a local file into the raw store as if it had been fetched; returns the manifest."""
    cfg = HttpConfig()
    transfer = copy_local(
        path, raw_dir / ".tmp", cfg, dataset=vintage.dataset, vintage=vintage.name
    )
    entry = rawstore.store(
        transfer,
        raw_dir,
        vintage.dataset,
        vintage.name,
        fallback_name="fixture",
        expected_sha256=None,
        max_unpacked=cfg.max_bytes,
    )
    manifest = rawstore.read_manifest(raw_dir, vintage.dataset, vintage.name) or {
        "dataset": vintage.dataset,
        "vintage": vintage.name,
        "parts": {},
        "history": [],
    }
    manifest["parts"][part] = entry
    write_json(
        rawstore.vintage_dir(raw_dir, vintage.dataset, vintage.name) / rawstore.MANIFEST, manifest
    )
    return manifest


def parse_file(
    tmp_path: Path, dataset: str, vintage: str, path: Path, vintage_obj: Vintage | None = None
) -> tuple[pd.DataFrame, dict]:
    """Parse one fixture file as dataset/vintage of the real catalogue; (table, parse record)."""
    ds = registry.get(dataset)
    v = vintage_obj or ds.vintage(vintage)
    raw_dir, parsed_dir = tmp_path / "raw", tmp_path / "parsed"
    store_file(raw_dir, v, path)
    outcome = parse.parse_vintage(v, ds.column_map, raw_dir=raw_dir, parsed_dir=parsed_dir)
    table = pd.read_parquet(outcome.path)
    record = parse.read_record(parsed_dir, dataset, v.name)
    return table, record


def artifacts_of(flow_run_id) -> dict[str, object]:
    """The gpect-* artifacts of a flow run, by key, read back from the Prefect API."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter

    async def read():
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_="gpect-")),
                flow_run_filter=FlowRunFilter(id={"any_": [flow_run_id]}),
            )
            return {a.key: a for a in found}

    return asyncio.run(read())


def run_of(state):
    """A finished flow run and the sorted names of its task runs."""
    import asyncio

    from prefect.client.orchestration import get_client

    async def read():
        async with get_client() as client:
            run = await client.read_flow_run(state.state_details.flow_run_id)
            tasks = await client.read_task_runs()
            return run, sorted(t.name for t in tasks if t.flow_run_id == run.id)

    return asyncio.run(read())
