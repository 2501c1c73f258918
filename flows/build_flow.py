"""Prefect flow `build`: the warehouse build as a flow, with a quality gate before publication.

The build itself is `flows.pipeline.build.build` (what `gpect build` calls directly), run only
when the warehouse is not up to date with its inputs (`flows/pipeline/freshness.py`; `force=True`
builds anyway).
This flow adds the Prefect run record and the data directory's lock, logs the checks and fails
the run when a check fails, leaving the previous warehouse published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.pipeline import freshness, lock
from flows.pipeline import settings as settings_mod
from flows.pipeline.settings import Settings

BUILD_TIMEOUT_SECONDS = 3600  # a full ACV build takes 10-20 s, a national one a few minutes


def run_name(flow_name: str) -> Callable[[], str]:
    """A readable flow-run name: the flow, the local start time and what the parameters change
    ("refresh 2026-12-01 05:00 build", "reports 2026-12-01 14:12 pdf 3 towns") instead of
    Prefect's random adjectives."""

    def name() -> str:
        from prefect.runtime import flow_run

        params = flow_run.parameters or {}
        parts = [flow_name, datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")]
        parts += [key for key in ("force", "build", "pdf") if params.get(key) is True]
        for key in ("datasets", "towns", "candidates"):
            if params.get(key):
                items = params[key]
                parts.append(f"{len(items)} {key}" if len(items) > 3 else " ".join(items))
        return " ".join(parts)

    return name


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


@flow(name="build", flow_run_name=run_name("build"), timeout_seconds=BUILD_TIMEOUT_SECONDS)
def build_warehouse(candidates: list[str] | None = None, force: bool = False) -> dict:
    """Build, check and publish the warehouse when one of its inputs changed.

    Returns {"rebuilt", "reason", "marts": {table: rows}, "seconds"}; no marts when skipped.

    Args:
        candidates: Candidate towns (INSEE codes or names, 'Name (département)' for homonyms)
            replacing the default Action Cœur de Ville towns; empty: the default list.
        force: Rebuild even if the warehouse is up to date with its inputs.
    """
    cfg = settings_mod.load()
    logger = get_run_logger()
    with flow_lock(cfg, "build"):
        outcome = freshness.build_if_stale(cfg, candidates, force=force)
    if not outcome.rebuilt:
        logger.info("warehouse %s kept: %s", cfg.warehouse, outcome.reason)
        create_markdown_artifact(
            f"# gpect build\n\nWarehouse `{cfg.warehouse}` kept: {outcome.reason}.",
            key="gpect-build",
            description="Whether the warehouse was rebuilt, and why",
        )
        return {"rebuilt": False, "reason": outcome.reason, "marts": {}, "seconds": 0.0}
    result = outcome.result
    logger.info("rebuilding because %s", outcome.reason)
    logger.info("warehouse published to %s in %.1f s", result.path, result.seconds)
    for name, failing in result.checks.items():
        logger.info("check %s: %s", name, "pass" if failing == 0 else f"{failing} failing rows")
    marts = {k: v for k, v in result.tables.items() if k.startswith("mart_")}
    create_markdown_artifact(
        "\n".join(
            [
                "# gpect build",
                "",
                f"Warehouse rebuilt ({outcome.reason}) and published to `{result.path}` in "
                f"{result.seconds:.1f} s; {len(result.checks)} checks passed.",
                "",
                "| mart | rows |",
                "|---|---:|",
                *(f"| `{name}` | {rows:,} |" for name, rows in marts.items()),
            ]
        ),
        key="gpect-build",
        description="Whether the warehouse was rebuilt, and why",
    )
    return {"rebuilt": True, "reason": outcome.reason, "marts": marts, "seconds": result.seconds}
