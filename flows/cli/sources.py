"""`gpect fetch`, `gpect refresh` and `gpect sources`: the sources, downloaded and parsed, or
listed as they are on disk."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from flows.cli.common import (
    DatasetOpt,
    MirrorOpt,
    VintageOpt,
    app,
    check_selection,
    console,
    data_lock,
    progress_bar,
    require_extra,
    settings,
)

if TYPE_CHECKING:
    from flows.pipeline import ingest


def status_style(status: str) -> str:
    return {"failed": "red", "downloaded": "green", "not in mirror": "yellow"}.get(status, "")


def run_fetch(
    mirror: str | None, dataset, vintage, force: bool, *, detail: bool = True
) -> list[ingest.SourceStatus]:
    """Fetch and parse with a progress bar; `detail` prints one row per dataset vintage."""
    from flows.pipeline.settings import mirror_problem

    problem = mirror_problem(mirror, "--mirror")
    if problem:
        console.print(f"[red]Invalid option[/red]: {escape(problem)}")
        raise typer.Exit(2)
    check_selection(dataset, vintage)
    from flows.pipeline import ingest

    cfg = settings().with_overrides(mirror=mirror)
    where = cfg.mirror or "official URLs"
    console.print(f"Fetching from [bold]{escape(where)}[/bold] into {escape(str(cfg.raw_dir))}")
    selected = ingest.select(dataset, vintage)
    with data_lock(cfg), progress_bar() as bar:
        job = bar.add_task("sources", total=len(selected))

        def tick(row: ingest.SourceStatus) -> None:
            bar.update(
                job,
                advance=1,
                description=escape(f"{row.dataset} {row.vintage}: {row.status}"),
            )
            if row.status == "failed":
                bar.console.print(f"[red]✗[/red] {escape(row.message)}")
            elif row.message and row.status in ("downloaded", "unchanged"):
                # warnings of an accepted revision (contract bounds, quarantined rows)
                bar.console.print(f"[yellow]![/yellow] {escape(row.message)}")

        results = ingest.ingest(cfg, dataset, vintage, force=force, on_done=tick)
        bar.update(job, description="sources")
    if detail:
        table = Table(title="Ingestion summary")
        for col in ("dataset", "vintage", "rows", "status", "source"):
            table.add_column(col, justify="right" if col == "rows" else "left", overflow="fold")
        for r in results:
            style = status_style(r.status)
            table.add_row(
                Text(r.dataset),
                Text(r.vintage),
                "" if r.rows is None else f"{r.rows:,}",
                Text(r.status, style=style),
                Text(r.source or r.message),
            )
        console.print(table)
    console.print(fetch_counts(results))
    return results


def fetch_counts(results: list[ingest.SourceStatus]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))


@app.command()
def fetch(
    mirror: MirrorOpt = None,
    dataset: DatasetOpt = None,
    vintage: VintageOpt = None,
    force: Annotated[
        bool, typer.Option(help="Download and parse again even if unchanged.")
    ] = False,
) -> None:
    """Download every registered dataset vintage (conditional GET) and parse it to Parquet."""
    results = run_fetch(mirror, dataset, vintage, force)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


@app.command()
def refresh(
    mirror: MirrorOpt = None,
    dataset: DatasetOpt = None,
    vintage: VintageOpt = None,
    force: bool = False,
) -> None:
    """Same as fetch, through the Prefect flow `refresh` (for scheduled runs and the Prefect UI)."""
    check_selection(dataset, vintage)
    from flows.pipeline.settings import mirror_problem

    problem = mirror_problem(mirror, "--mirror")
    if problem:
        console.print(f"[red]Invalid option[/red]: {escape(problem)}")
        raise typer.Exit(2)
    require_extra("prefect", "prefect", "gpect refresh")
    if settings().task_runner == "dask":
        require_extra("prefect_dask", "dask", "GPECT_TASK_RUNNER=dask")
    from flows.refresh_flow import refresh as refresh_flow

    # The flow's own log says which vintages failed and why; here one line and the exit code.
    state = refresh_flow(
        datasets=dataset, vintages=vintage, force=force, mirror=mirror, return_state=True
    )
    if state.is_failed():
        console.print(f"[red]Refresh failed[/red]: {escape(str(state.message))}")
        raise typer.Exit(1)


@app.command()
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What is present locally: datasets, vintages, rows, sha256, fetched-at."""
    from flows.pipeline import ingest

    rows = ingest.inventory(settings())
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="Sources")
    for col in ("dataset", "vintage", "rows", "sha256", "fetched at", "publisher"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            Text(r["dataset"]),
            Text(r["vintage"]),
            "" if r["rows"] is None else f"{r['rows']:,}",
            Text((r["sha256"] or (f"{r['parts']} parts" if r["parts"] else "absent"))[:16]),
            Text((r["fetched_at"] or "")[:19]),
            Text(r["publisher"]),
        )
    console.print(table)
    present = sum(r["present"] for r in rows)
    console.print(f"{present}/{len(rows)} dataset vintages present")
    for r in rows:
        where = f"{r['dataset']} {r['vintage']}"
        if r["problem"]:
            console.print(
                f"[red]damaged[/red] {escape(where)}: {escape(r['problem'])}; repair: "
                f"[bold]{escape(r['repair'])}[/bold]"
            )
        for q in r["quarantined"]:
            shas = ", ".join(s[:16] for s in q["sha256"] if s)
            console.print(
                f"[yellow]quarantined[/yellow] {escape(where)} revision {escape(shas)} "
                f"({escape(str(q['quarantined_at'])[:19])}): {escape(str(q['reason']))}"
            )
