"""Prefect flow `build`: the warehouse build as a flow, with a quality gate before publication.

The build itself is `flows.pipeline.build.build` (what `gpect build` calls directly), run only
when the warehouse is not up to date with its inputs (`flows/pipeline/freshness.py`; `force=True`
builds anyway).
This flow adds the Prefect run record and the data directory's lock, logs the checks and fails
the run when a check fails, leaving the previous warehouse published.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.pipeline import freshness
from flows.pipeline import settings as settings_mod
from flows.runners import flow_lock, run_name

BUILD_TIMEOUT_SECONDS = 3600  # a full ACV build takes 10-20 s, a national one a few minutes


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
    # A failing check stops the build before publication, so a published one passed them all:
    # one log line rather than one per check, which the server would write as the run ends.
    logger.info("%d checks passed: %s", len(result.checks), ", ".join(result.checks))
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
