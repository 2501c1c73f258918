"""`gpect build` and `gpect reference`: the DuckDB warehouse, built, checked and published."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from flows.cli.common import (
    CandidatesOpt,
    app,
    console,
    data_lock,
    fail,
    progress_bar,
    read_candidates,
    settings,
)

if TYPE_CHECKING:
    from flows.pipeline import freshness


def run_build(candidates: str | None, force: bool = False) -> freshness.WarehouseOutcome:
    """Build unless the warehouse is up to date with its inputs (`force` builds anyway)."""
    from flows.pipeline import build as build_mod
    from flows.pipeline import freshness

    cfg = settings()
    codes = read_candidates(candidates)
    with data_lock(cfg), progress_bar(counted=False) as bar:
        bar.add_task("Building the warehouse", total=None)
        try:
            outcome = freshness.build_if_stale(cfg, codes, force=force)
        except build_mod.BuildError as exc:
            bar.stop()
            raise fail("Build failed", str(exc)) from exc
    print_build(outcome, cfg)
    return outcome


def print_build(outcome: freshness.WarehouseOutcome, cfg) -> None:
    if not outcome.rebuilt:
        console.print(
            f"Warehouse {escape(str(cfg.warehouse))} is up to date ({escape(outcome.reason)}); "
            "--force rebuilds it."
        )
        return
    result = outcome.result
    marts = {k: v for k, v in result.tables.items() if k.startswith("mart_")}
    console.print(
        f"Warehouse rebuilt ({escape(outcome.reason)}) and published to "
        f"{escape(str(result.path))} in {result.seconds:.1f} s: {len(result.tables)} tables, "
        f"{len(result.checks)} checks passed"
    )
    for name, rows in marts.items():
        console.print(f"  {name}: {rows:,} rows")


@app.command()
def build(
    candidates: CandidatesOpt = None,
    force: Annotated[
        bool, typer.Option(help="Rebuild even if the warehouse is up to date with its inputs.")
    ] = False,
) -> None:
    """Build the DuckDB warehouse from the ingested files; publish it only if every check passes.

    Skipped when nothing it reads changed since the last build (parsed tables, SQL, reference
    tables, parameters, candidate towns)."""
    run_build(candidates, force)


@app.command()
def reference(
    version: Annotated[str, typer.Option(help="Name of the new reference version.")],
) -> None:
    """Recompute the national reference distribution rankings are standardised against."""
    from flows.pipeline import build as build_mod

    cfg = settings()
    path = build_mod.write_reference(cfg, cfg.build_parameters, version)
    console.print(
        f"Reference {escape(version)} written to {escape(str(path))}; review and commit it."
    )
