"""Ingestion as plain functions: fetch then parse each dataset vintage, one at a time.

The CLI calls these directly (no Prefect server start for an interactive command); the `refresh`
flow wraps the same two steps as tasks. A failure stops only its own dataset vintage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import requests

from connectors import parse, rawstore, registry
from connectors.digests import Digests
from connectors.errors import SourceError
from connectors.fetch import fetch_vintage
from connectors.http import make_session
from connectors.mirror import Mirror, open_mirror
from connectors.registry import Vintage
from flows.pipeline.settings import Settings

# sha256 of the raw and local mirror files as last verified, by stat (connectors/digests.py):
# one record per vintage, so that refresh tasks running at once never write the same file.
DIGESTS = Path(".cache") / "digests"


def digests_record(settings: Settings, vintage: Vintage) -> Path:
    return settings.data_dir / DIGESTS / f"{vintage.dataset}.{vintage.name}.json"


@dataclass
class SourceStatus:
    dataset: str
    vintage: str
    status: str  # downloaded | unchanged | failed | not in mirror
    rows: int | None
    source: str
    message: str = ""
    seconds: float = 0.0


def select(
    datasets: Iterable[str] | None = None, vintages: Iterable[str] | None = None
) -> list[Vintage]:
    cat = registry.catalog()
    ids = list(datasets) if datasets else list(cat)
    wanted = set(vintages or ())
    chosen = []
    for ds_id in ids:
        ds = registry.get(ds_id)
        for vname, vintage in ds.vintages.items():
            if not wanted or vname in wanted:
                chosen.append(vintage)
    return chosen


def mirror_of(settings: Settings) -> Mirror | None:
    return open_mirror(settings.mirror, settings.mirror_map)


def download_step(
    vintage: Vintage,
    settings: Settings,
    session: requests.Session,
    mirror: Mirror | None,
    force: bool = False,
):
    """Fetch one vintage; `force` downloads and hashes every file again."""
    digests = Digests(digests_record(settings, vintage), verify=force)
    try:
        return fetch_vintage(
            vintage,
            raw_dir=settings.raw_dir,
            session=session,
            cfg=settings.http,
            mirror=mirror,
            datagouv_api=settings.datagouv_api,
            force=force,
            digests=digests,
        )
    finally:
        digests.save()


def parse_step(vintage: Vintage, settings: Settings, force: bool = False):
    ds = registry.get(vintage.dataset)
    return parse.parse_vintage(
        vintage,
        ds.column_map,
        raw_dir=settings.raw_dir,
        parsed_dir=settings.parsed_dir,
        force=force,
    )


def ingest_one(
    vintage: Vintage,
    settings: Settings,
    session: requests.Session,
    mirror: Mirror | None,
    force: bool = False,
) -> SourceStatus:
    start = time.perf_counter()
    if mirror is not None and not mirror.has(vintage.dataset, vintage.name):
        return SourceStatus(
            vintage.dataset,
            vintage.name,
            "not in mirror",
            None,
            "",
            "no copy in the mirror; fetched online only",
        )
    try:
        fetched = download_step(vintage, settings, session, mirror, force)
        parsed = parse_step(vintage, settings, force)
    except SourceError as exc:
        return SourceStatus(
            vintage.dataset,
            vintage.name,
            "failed",
            None,
            exc.where,
            str(exc),
            time.perf_counter() - start,
        )
    notes = [f"{parsed.rejected} rows quarantined"] if parsed.rejected else []
    notes += [f"[{vintage.dataset} {vintage.name}] warning: {w}" for w in fetched.warnings]
    notes += [f"[{vintage.dataset} {vintage.name}] warning: {w}" for w in parsed.warnings]
    message = "; ".join(notes)
    return SourceStatus(
        vintage.dataset,
        vintage.name,
        fetched.status,
        parsed.rows,
        fetched.source,
        message,
        time.perf_counter() - start,
    )


def ingest(
    settings: Settings,
    datasets: Iterable[str] | None = None,
    vintages: Iterable[str] | None = None,
    force: bool = False,
    on_done: Callable[[SourceStatus], None] | None = None,
) -> list[SourceStatus]:
    """Fetch then parse each selected vintage; `force` downloads and hashes every file again."""
    mirror = mirror_of(settings)
    results = []
    with make_session(settings.http) as session:
        for vintage in select(datasets, vintages):
            status = ingest_one(vintage, settings, session, mirror, force)
            results.append(status)
            if on_done:
                on_done(status)
    return results


def _missing_metadata(
    settings: Settings, dataset: str, vintage: str, manifest: dict | None, record: dict | None
) -> str | None:
    """A parsed table whose manifest is gone, or a manifest whose raw file is gone."""
    if manifest is None:
        return (
            "manifest.json is missing: the parsed table's source is unrecorded" if record else None
        )
    folder = rawstore.vintage_dir(settings.raw_dir, dataset, vintage)
    lost = [e["path"] for e in manifest["parts"].values() if not (folder / e["path"]).is_file()]
    return f"raw file {lost[0]} listed in manifest.json is missing" if lost else None


def inventory(settings: Settings) -> list[dict]:
    """What is present locally: one row per registered dataset vintage, with what is damaged
    (`problem`, and the `repair` command) and the revisions refused (`quarantined`)."""
    rows = []
    for ds in registry.catalog().values():
        for vname in ds.vintages:
            manifest = rawstore.read_manifest(settings.raw_dir, ds.id, vname)
            record, record_problem = parse.record_problem(settings.parsed_dir, ds.id, vname)
            parts = manifest["parts"] if manifest else {}
            problem = (
                rawstore.manifest_problem(settings.raw_dir, ds.id, vname)
                or _missing_metadata(settings, ds.id, vname, manifest, record)
                or record_problem
            )
            first = next(iter(parts.values()), {})
            quarantined = [
                {
                    "quarantined_at": q.get("quarantined_at"),
                    "sha256": [e.get("sha256") for e in q.get("parts", {}).values()],
                    "reason": q.get("reason"),
                }
                for q in (manifest or {}).get("quarantine", [])
            ]
            rows.append(
                {
                    "dataset": ds.id,
                    "group": ds.group,
                    "vintage": vname,
                    "present": bool(parts),
                    "rows": record["rows"] if record else None,
                    "rejected": record["rejected"] if record else None,
                    "parts": len(parts),
                    "bytes": sum(p["bytes"] for p in parts.values()) if parts else None,
                    "sha256": first.get("sha256") if len(parts) == 1 else None,
                    "fetched_at": first.get("fetched_at"),
                    "source": first.get("url_asked"),
                    "final_host": first.get("final_host"),
                    "publisher": ds.publisher,
                    "title": ds.title,
                    "problem": problem,
                    "repair": f"gpect fetch -d {ds.id} -v {vname}" if problem else None,
                    "quarantined": quarantined,
                }
            )
    return rows
