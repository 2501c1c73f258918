"""Prefect flow `refresh`: one download task and one parse task per dataset vintage.

The tasks are submitted through the configured task runner (threads, or Dask with
`GPECT_TASK_RUNNER=dask`, see `flows/runners.py`), so dataset vintages are fetched and parsed
side by side. Only the download task retries (network); parsing is deterministic, so a retry
would fail the same way. A failing vintage stops only itself: the others go on and its previously
ingested files stay as they were. The flow holds the data directory's lock
(`flows/pipeline/lock.py`), ends with a summary (a log table and the artifacts `gpect-refresh`:
what changed in Markdown, every vintage in a table) and, with `build=True` (the on-demand
deployment), runs the `build` flow's steps as its `build` task, which rebuilds the warehouse only
when its inputs changed.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture

from connectors.errors import SourceError
from connectors.http import make_session
from flows import runners
from flows.build_flow import build_warehouse
from flows.pipeline import ingest
from flows.pipeline import settings as settings_mod
from flows.pipeline.ingest import SourceStatus
from flows.pipeline.settings import Settings
from flows.runners import as_task, flow_lock, md_text, run_name

# A hung refresh fails instead of holding the data directory's lock for ever. The tasks have no
# timeout of their own: they run in worker threads, where Prefect cannot interrupt them (it logs a
# warning per task instead); each download is bounded by GPECT_DOWNLOAD_DEADLINE per attempt.
REFRESH_TIMEOUT_SECONDS = 6 * 3600


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


# The tasks write files: a cached result would skip the write. They receive the flow's settings,
# so a Dask worker writes where the flow says whatever its own environment holds.
@task(
    retries=2,
    retry_delay_seconds=30,
    task_run_name="download-{dataset}-{vintage_name}",
    cache_policy=NO_CACHE,
)
def download_task(dataset: str, vintage_name: str, cfg: Settings, force: bool = False):
    vintage = ingest.registry.get(dataset).vintage(vintage_name)
    try:
        with make_session(cfg.http) as session:
            return ingest.download_step(vintage, cfg, session, ingest.mirror_of(cfg), force)
    except SourceError as exc:
        raise StepFailed.of(exc) from exc


@task(task_run_name="parse-{dataset}-{vintage_name}", cache_policy=NO_CACHE)
def parse_task(dataset: str, vintage_name: str, cfg: Settings, force: bool = False):
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


def changes_markdown(rows: list[SourceStatus]) -> str:
    """What the refresh changed, for the run's Markdown artifact: counts, then the vintages
    downloaded and failed by name (with why), the unchanged ones only counted."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    lines = [
        "# gpect refresh",
        "",
        ", ".join(f"**{n}** {status}" for status, n in sorted(counts.items())),
        "",
    ]
    downloaded = [r for r in rows if r.status == "downloaded"]
    failed = [r for r in rows if r.status == "failed"]
    if downloaded:
        lines += ["## New or changed files", ""]
        lines += [
            f"- `{r.dataset}` {r.vintage}: {'' if r.rows is None else f'{r.rows:,} rows, '}"
            f"{md_text(r.source)}"
            for r in downloaded
        ]
        lines.append("")
    if failed:
        lines += ["## Failed (previous files kept)", ""]
        lines += [f"- `{r.dataset}` {r.vintage}: {md_text(r.message)}" for r in failed]
        lines.append("")
    if not downloaded and not failed:
        lines.append("Nothing changed at the publishers: the warehouse needs no rebuild.")
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
    task_runner=runners.SettingsTaskRunner(),
    flow_run_name=run_name("refresh"),
    timeout_seconds=REFRESH_TIMEOUT_SECONDS,
)
def refresh(
    datasets: list[str] | None = None,
    vintages: list[str] | None = None,
    force: bool = False,
    build: bool = False,
    mirror: str | None = None,
) -> list[SourceStatus]:
    """Fetch and parse every registered dataset vintage (conditional GET), then optionally build.

    Args:
        datasets: Only these datasets (ids of `gpect sources`); empty: every registered dataset.
        vintages: Only these vintages (e.g. 2025); empty: every vintage of the datasets.
        force: Download and parse again even when the publisher's file is unchanged.
        build: Then build (the `build` flow's steps), which rebuilds the warehouse only if an
            input changed.
        mirror: Read the sources from this mirror (a directory or an http(s) base URL) instead
            of the publishers; overrides GPECT_MIRROR for this run.
    """
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
            fetched = download_task.submit(ds, vn, cfg, force)
            parsed = parse_task.submit(ds, vn, cfg, force, wait_for=[fetched])
            planned.append((ds, vn, fetched, parsed))
        results = [p if isinstance(p, SourceStatus) else _outcome(*p) for p in planned]
        logger.info("refresh summary\n%s", summary_table(results))
        create_markdown_artifact(
            changes_markdown(results), key="gpect-refresh", description="What this refresh changed"
        )
        create_table_artifact(
            [
                {
                    "dataset": r.dataset,
                    "vintage": r.vintage,
                    "status": r.status,
                    "rows": r.rows,
                    "source": r.source or r.message,
                }
                for r in results
            ],
            key="gpect-refresh-sources",
            description="Every dataset vintage of this refresh",
        )
        if build:
            # Rebuilds only when the refresh changed an input (see flows/pipeline/freshness.py).
            # A task rather than a subflow: creating a subflow run right after a hundred tasks
            # met the server still recording them, and waited 7-17 s on its retries.
            as_task("build", build_warehouse.fn)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise RuntimeError(
            f"{len(failed)} dataset vintages failed: " + "; ".join(r.message for r in failed)
        )
    return results
