"""Prefect flow `refresh`: one download task and one parse task per dataset vintage.

The tasks are submitted through the configured task runner (threads, or Dask with
`GPECT_TASK_RUNNER=dask`, see `flows/runners.py`), so dataset vintages are fetched and parsed
side by side. Only the download task retries (network); parsing is deterministic, so a retry
would fail the same way. A failing vintage stops only itself: the others go on and its previously
ingested files stay as they were. The flow holds the data directory's lock (`flows/lock.py`),
ends with a summary table (dataset, vintage, rows, status, source URL) and, with `build=True`
(the scheduled deployment), runs the `build` flow, which rebuilds the warehouse only when its
inputs changed.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.futures import PrefectFuture

from connectors.errors import SourceError
from connectors.http import make_session
from flows import ingest, runners
from flows import settings as settings_mod
from flows.ingest import SourceStatus
from flows.warehouse import build_warehouse, flow_lock


class StepFailed(RuntimeError):
    """A SourceError that survives pickling: Dask sends a task's exception back to the flow, and
    SourceError's keyword arguments cannot be rebuilt from its message."""

    def __init__(self, dataset: str, vintage: str, where: str, message: str):
        super().__init__(dataset, vintage, where, message)
        self.dataset, self.vintage, self.where, self.message = dataset, vintage, where, message

    def __str__(self) -> str:
        return self.message

    @classmethod
    def of(cls, exc: SourceError) -> StepFailed:
        return cls(exc.dataset, exc.vintage, exc.where, str(exc))


@task(retries=2, retry_delay_seconds=30, task_run_name="download-{dataset}-{vintage_name}")
def download_task(dataset: str, vintage_name: str, force: bool = False, mirror: str | None = None):
    cfg = settings_mod.load().with_overrides(mirror=mirror)
    vintage = ingest.registry.get(dataset).vintage(vintage_name)
    try:
        with make_session(cfg.http) as session:
            return ingest.download_step(vintage, cfg, session, ingest.mirror_of(cfg), force)
    except SourceError as exc:
        raise StepFailed.of(exc) from exc


@task(task_run_name="parse-{dataset}-{vintage_name}")
def parse_task(dataset: str, vintage_name: str, force: bool = False):
    cfg = settings_mod.load()
    try:
        return ingest.parse_step(ingest.registry.get(dataset).vintage(vintage_name), cfg, force)
    except SourceError as exc:
        raise StepFailed.of(exc) from exc


def summary_table(rows: list[SourceStatus]) -> str:
    lines = [f"{'dataset':32} {'vintage':10} {'rows':>9} {'status':14} source"]
    for r in rows:
        count = "" if r.rows is None else f"{r.rows:,}"
        lines.append(
            f"{r.dataset:32} {r.vintage:10} {count:>9} {r.status:14} {r.source or r.message}"
        )
    return "\n".join(lines)


def _outcome(ds: str, vn: str, fetched: PrefectFuture, parsed: PrefectFuture) -> SourceStatus:
    try:
        got = fetched.result()
    except StepFailed as exc:
        parsed.wait()  # it will not run: its upstream failed
        return SourceStatus(ds, vn, "failed", None, exc.where, exc.message)
    try:
        out = parsed.result()
    except StepFailed as exc:
        return SourceStatus(ds, vn, "failed", None, exc.where, exc.message)
    return SourceStatus(ds, vn, got.status, out.rows, got.source)


@flow(
    name="refresh",
    log_prints=True,
    task_runner=runners.configured(settings_mod.load()),
)
def refresh(
    datasets: list[str] | None = None,
    vintages: list[str] | None = None,
    force: bool = False,
    build: bool = False,
    mirror: str | None = None,
) -> list[SourceStatus]:
    """`mirror` overrides GPECT_MIRROR for this run (a directory or an http(s) base URL)."""
    cfg = settings_mod.load().with_overrides(mirror=mirror)
    logger = get_run_logger()
    with flow_lock(cfg, "refresh"):
        mirror = ingest.mirror_of(cfg)
        # Everything is submitted first so that the runner works on vintages side by side.
        planned: list[SourceStatus | tuple[str, str, PrefectFuture, PrefectFuture]] = []
        for vintage in ingest.select(datasets, vintages):
            ds, vn = vintage.dataset, vintage.name
            if mirror is not None and not mirror.has(ds, vn):
                planned.append(SourceStatus(ds, vn, "not in mirror", None, ""))
                continue
            fetched = download_task.submit(ds, vn, force, cfg.mirror)
            parsed = parse_task.submit(ds, vn, force, wait_for=[fetched])
            planned.append((ds, vn, fetched, parsed))
        results = [p if isinstance(p, SourceStatus) else _outcome(*p) for p in planned]
        logger.info("refresh summary\n%s", summary_table(results))
        if build:
            # Rebuilds only when the refresh changed an input (see flows/freshness.py).
            build_warehouse()
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise RuntimeError(
            f"{len(failed)} dataset vintages failed: " + "; ".join(r.message for r in failed)
        )
    return results
