"""Prefect flow `build`: the warehouse build as a flow, with a quality gate before publication.

The build itself is `flows.build.build` (what `gpect build` calls directly); this flow adds the
Prefect run record, logs the checks and fails the run when a check fails, leaving the previous
warehouse published.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows import build as build_mod
from flows import settings as settings_mod


@flow(name="build")
def build_warehouse(candidates: list[str] | None = None) -> dict[str, int]:
    cfg = settings_mod.load()
    result = build_mod.build(cfg, cfg.model, candidates)
    logger = get_run_logger()
    logger.info("warehouse published to %s in %.1f s", result.path, result.seconds)
    for name, failing in result.checks.items():
        logger.info("check %s: %s", name, "pass" if failing == 0 else f"{failing} failing rows")
    return {k: v for k, v in result.tables.items() if k.startswith("mart_")}
