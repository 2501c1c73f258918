"""Prefect flow `refresh`: one download task and one parse task per dataset vintage.

Only the download task retries (network); parsing is deterministic, so a retry would fail the
same way. The flow ends with a summary table: dataset, vintage, rows, status, source URL.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from connectors.errors import SourceError
from connectors.http import make_session
from flows import ingest
from flows import settings as settings_mod
from flows.ingest import SourceStatus


@task(retries=2, retry_delay_seconds=30, task_run_name="download-{dataset}-{vintage_name}")
def download_task(dataset: str, vintage_name: str, force: bool = False):
    cfg = settings_mod.load()
    vintage = ingest.registry.get(dataset).vintage(vintage_name)
    with make_session(cfg.http) as session:
        return ingest.download_step(vintage, cfg, session, ingest.mirror_of(cfg), force)


@task(task_run_name="parse-{dataset}-{vintage_name}")
def parse_task(dataset: str, vintage_name: str, force: bool = False):
    cfg = settings_mod.load()
    return ingest.parse_step(ingest.registry.get(dataset).vintage(vintage_name), cfg, force)


def summary_table(rows: list[SourceStatus]) -> str:
    lines = [f"{'dataset':32} {'vintage':10} {'rows':>9} {'status':14} source"]
    for r in rows:
        count = "" if r.rows is None else f"{r.rows:,}"
        lines.append(
            f"{r.dataset:32} {r.vintage:10} {count:>9} {r.status:14} {r.source or r.message}"
        )
    return "\n".join(lines)


@flow(name="refresh", log_prints=True)
def refresh(
    datasets: list[str] | None = None, vintages: list[str] | None = None, force: bool = False
):
    cfg = settings_mod.load()
    mirror = ingest.mirror_of(cfg)
    results: list[SourceStatus] = []
    for vintage in ingest.select(datasets, vintages):
        ds, vn = vintage.dataset, vintage.name
        if mirror is not None and not mirror.has(ds, vn):
            results.append(SourceStatus(ds, vn, "not in mirror", None, ""))
            continue
        try:
            fetched = download_task(ds, vn, force)
            parsed = parse_task(ds, vn, force)
        except SourceError as exc:
            results.append(SourceStatus(ds, vn, "failed", None, exc.where, str(exc)))
            continue
        results.append(SourceStatus(ds, vn, fetched.status, parsed.rows, fetched.source))
    get_run_logger().info("refresh summary\n%s", summary_table(results))
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise RuntimeError(
            f"{len(failed)} dataset vintages failed: " + "; ".join(r.message for r in failed)
        )
    return results
