"""`gpect run`: the whole chain through `flows.pipeline.run.run`, the function the Prefect
deployment `diagnostic` calls too, with progress bars and a summary table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table
from rich.text import Text

from flows.cli.common import (
    CandidatesOpt,
    JsonOpt,
    MirrorOpt,
    app,
    console,
    data_lock,
    fail,
    json_mode,
    print_json,
    progress_bar,
    read_candidates,
    require_extra,
    settings,
)
from flows.cli.sources import fetch_counts

if TYPE_CHECKING:
    from flows.pipeline import ingest
    from flows.pipeline import run as run_mod
    from flows.pipeline.settings import Settings

STEP_LABELS = {
    "sources": "Fetching the sources",
    "warehouse": "Building the warehouse",
    "reports": "Writing the reports",
    "shortlist": "Ranking the towns for the jury",
    "evaluation": "Writing the evaluation",
    "export": "Exporting the open data",
}


def listener(bar: Progress):
    """Progress of the chain on one rich bar: sources counted, then one line per step."""
    from flows.pipeline import run as run_mod

    class Bars(run_mod.Listener):
        def __init__(self) -> None:
            self.job: TaskID | None = None
            self.total: int | None = None

        def sources_started(self, total: int) -> None:
            self.total = total

        def step_started(self, step: str) -> None:
            if self.job is not None:
                bar.update(self.job, visible=False)
            total = self.total if step == "sources" else None
            self.job = bar.add_task(STEP_LABELS[step], total=total)

        def source_done(self, status: ingest.SourceStatus) -> None:
            bar.update(self.job, advance=1)
            if status.status == "failed":
                bar.console.print(f"[red]✗[/red] {escape(status.message)}")

        def item_done(self, step: str, item: str, total: int) -> None:
            bar.update(self.job, description=f"{STEP_LABELS[step]} {escape(item)} ({total})")

        def close(self) -> None:
            """The summary table says how each step ended: no bar is left on screen."""
            if self.job is not None:
                bar.update(self.job, visible=False)

    return Bars()


def sources_line(results: list[ingest.SourceStatus]) -> str:
    """Counts, then the dataset vintages that changed or failed by name."""
    line = fetch_counts(results)
    for status in ("downloaded", "failed"):
        named = [f"{r.dataset} {r.vintage}" for r in results if r.status == status]
        if named:
            line += f"\n{status}: " + ", ".join(named)
    return line


def summary_table(cfg: Settings, result: run_mod.RunResult) -> Table:
    summary = Table(title="gpect run", show_header=False)
    summary.add_column("step", style="bold")
    summary.add_column("outcome", overflow="fold")
    summary.add_row("sources", Text(sources_line(result.sources)))
    w = result.warehouse
    built = (
        f"rebuilt in {w.result.seconds:.1f} s ({w.reason})"
        if w.rebuilt
        else f"unchanged ({w.reason})"
    )
    summary.add_row("warehouse", Text(f"{built}\n{cfg.warehouse}"))
    for step in result.steps:
        summary.add_row(step.step, Text(f"{step.line}\n{step.path}"))
    summary.add_row("time", f"{result.seconds:.1f} s")
    return summary


@app.command()
def run(
    mirror: MirrorOpt = None,
    candidates: CandidatesOpt = None,
    force: Annotated[
        bool, typer.Option(help="Download, parse, build and render again even if unchanged.")
    ] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print every town's PDF.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The whole chain: fetch every source (conditional), build the warehouse when an input
    changed, then the reports, the shortlist, the evaluation and the open-data export when the
    warehouse or their code changed; ends with what changed and where the outputs are."""
    from flows.pipeline.settings import mirror_problem

    problem = mirror_problem(mirror, "--mirror")
    if problem:
        raise fail("Invalid option", problem, 2)
    if pdf:
        require_extra("playwright", "pdf", "gpect run --pdf")
    codes = read_candidates(candidates)
    from flows.pipeline import run as run_mod
    from flows.pipeline.browser import check_browser
    from flows.pipeline.errors import BuildError, OutputError

    if pdf:
        try:
            check_browser()
        except OutputError as exc:
            raise fail("No PDF", str(exc)) from exc

    cfg = settings().with_overrides(mirror=mirror)
    where = cfg.mirror or "official URLs"
    with json_mode(as_json), data_lock(cfg), progress_bar() as bar:
        console.print(f"Fetching from [bold]{escape(where)}[/bold] into {escape(str(cfg.raw_dir))}")
        bars = listener(bar)
        try:
            result = run_mod.run(cfg, candidates=codes, force=force, pdf=pdf, listener=bars)
        except BuildError as exc:
            bar.stop()
            raise fail("Build failed", str(exc)) from exc
        except OutputError as exc:
            bar.stop()
            raise fail("Output failed", str(exc)) from exc
        bars.close()
    if as_json:
        print_json(result.as_json(cfg))
    else:
        if result.failed:
            console.print(
                f"[red]{len(result.failed)} sources failed[/red]; the build used what was "
                "ingested before."
            )
        console.print(summary_table(cfg, result))
    if result.failed:
        raise typer.Exit(1)
