"""Prefect flow `build`: the warehouse build as a flow, with a quality gate before publication.

The build itself is `flows.build.build` (what `gpect build` calls directly), run only when the
warehouse is not up to date with its inputs (`flows/freshness.py`; `force=True` builds anyway).
This flow adds the Prefect run record and the data directory's lock, logs the checks and fails
the run when a check fails, leaving the previous warehouse published.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect import flow, get_run_logger

from flows import freshness, lock
from flows import settings as settings_mod
from flows.settings import Settings


@contextmanager
def flow_lock(cfg: Settings, flow_name: str) -> Iterator[lock.Held]:
    """The data directory's lock for a flow run, with what happened in the run's log (a busy
    directory past GPECT_LOCK_TIMEOUT fails the run with the holder's pid and start time)."""
    logger = get_run_logger()
    with lock.hold(
        cfg.data_dir,
        timeout=cfg.lock_timeout,
        command=f"prefect flow {flow_name}",
        on_wait=lambda h: logger.info("waiting for %s", h.describe() if h else "another run"),
    ) as held:
        if held.took_over:
            logger.warning("took over the lock of a dead run: %s", held.took_over.describe())
        if held.removed:
            names = ", ".join(p.name for p in held.removed)
            logger.info("removed %d work files left by killed runs: %s", len(held.removed), names)
        yield held


@flow(name="build")
def build_warehouse(candidates: list[str] | None = None, force: bool = False) -> dict:
    """{"rebuilt", "reason", "marts": {table: rows}, "seconds"}; no marts when skipped."""
    cfg = settings_mod.load()
    logger = get_run_logger()
    with flow_lock(cfg, "build"):
        outcome = freshness.build_if_stale(cfg, candidates, force=force)
    if not outcome.rebuilt:
        logger.info("warehouse %s kept: %s", cfg.warehouse, outcome.reason)
        return {"rebuilt": False, "reason": outcome.reason, "marts": {}, "seconds": 0.0}
    result = outcome.result
    logger.info("rebuilding because %s", outcome.reason)
    logger.info("warehouse published to %s in %.1f s", result.path, result.seconds)
    for name, failing in result.checks.items():
        logger.info("check %s: %s", name, "pass" if failing == 0 else f"{failing} failing rows")
    marts = {k: v for k, v in result.tables.items() if k.startswith("mart_")}
    return {"rebuilt": True, "reason": outcome.reason, "marts": marts, "seconds": result.seconds}
