"""The `gpect` command line. Interactive commands call plain functions directly; Prefect flows
are for scheduled or deployed runs (a flow pays a ~15 s ephemeral server start, see STACK.md).

Only Typer, rich and the settings are imported here: pandas, DuckDB, pyarrow and Prefect take
2-3 s to import, so each command imports what it uses, and `gpect --help` or a mistyped option
answers at once (tests/unit/test_cli_doors.py)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from flows.pipeline import lock
from flows.pipeline import settings as settings_mod
from flows.pipeline.settings import Settings

if TYPE_CHECKING:
    from flows.pipeline import freshness, ingest

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
# Markup ([red]…[/red]) is written only in gpect's own strings; text from the data, the files and
# the settings is passed through `escape` or as `Text`, so a header or a name holding "[/red]" is
# printed as it is instead of being interpreted (or crashing rich).
console = Console()


@app.callback()
def startup() -> None:
    """Every GPECT_* setting is checked once, before any command runs."""
    try:
        settings_mod.load()
    except settings_mod.SettingsError as exc:
        console.print(f"[red]Invalid settings[/red]: {escape(str(exc))}")
        raise typer.Exit(2) from exc


MirrorOpt = Annotated[
    str | None,
    typer.Option(
        "--mirror",
        help="Read every source from this mirror (local directory or http(s) base URL) "
        "instead of the publishers' URLs. Env: GPECT_MIRROR.",
    ),
]
DatasetOpt = Annotated[
    list[str] | None, typer.Option("--dataset", "-d", help="Only these datasets (repeatable).")
]
VintageOpt = Annotated[
    list[str] | None, typer.Option("--vintage", "-v", help="Only these vintages (repeatable).")
]


JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one JSON document on stdout instead of tables and progress."
    ),
]


@contextmanager
def json_mode(on: bool) -> Iterator[None]:
    """With --json, the human output (messages, progress, errors) goes to stderr, so that stdout
    holds only the JSON document."""
    if not on:
        yield
        return
    console.file = sys.stderr
    try:
        yield
    finally:
        console.file = None  # back to whatever sys.stdout is when it next prints


def require_extra(module: str, extra: str, what: str) -> None:
    """Stop with the install command when an optional dependency of `what` is missing (the quick
    start installs only what `gpect run` needs)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        console.print(
            f"[red]{escape(what)} needs the {extra!r} extra[/red]: "
            + escape(f".venv/bin/pip install -e '.[{extra}]'")
        )
        raise typer.Exit(1)


def print_json(payload: dict) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def _status_style(status: str) -> str:
    return {"failed": "red", "downloaded": "green", "not in mirror": "yellow"}.get(status, "")


def progress_bar(counted: bool = True) -> Progress:
    """A bar with done/total for counted work, a spinner and the elapsed time otherwise."""
    columns = [BarColumn(), MofNCompleteColumn()] if counted else []
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        *columns,
        TimeElapsedColumn(),
        console=console,
    )


@contextmanager
def data_lock(cfg: Settings) -> Iterator[lock.Held]:
    """The data directory's lock for a command (re-entrant: `run` holds it around its steps)."""

    def waiting(holder: lock.Holder | None) -> None:
        who = holder.describe() if holder else "another run"
        console.print(
            f"[yellow]Waiting[/yellow] up to {cfg.lock_timeout:g} s for {escape(who)} "
            f"to release {escape(str(cfg.data_dir))}…"
        )

    try:
        with lock.hold(
            cfg.data_dir,
            timeout=cfg.lock_timeout,
            command=" ".join(["gpect", *sys.argv[1:]]),
            on_wait=waiting,
        ) as held:
            if held.took_over:
                console.print(
                    f"[yellow]Took over[/yellow] the lock left by "
                    f"{escape(held.took_over.describe())}, which is no longer running."
                )
            if held.removed:
                console.print(
                    f"Removed {len(held.removed)} work files left by killed runs: "
                    + escape(", ".join(p.name for p in held.removed[:5]))
                )
            yield held
    except lock.LockBusy as exc:
        console.print(f"[red]Busy[/red]: {escape(str(exc))}")
        raise typer.Exit(3) from exc


def run_fetch(
    mirror: str | None, dataset, vintage, force: bool, *, detail: bool = True
) -> list[ingest.SourceStatus]:
    """Fetch and parse with a progress bar; `detail` prints one row per dataset vintage."""
    problem = settings_mod.mirror_problem(mirror, "--mirror")
    if problem:
        console.print(f"[red]Invalid option[/red]: {escape(problem)}")
        raise typer.Exit(2)
    check_selection(dataset, vintage)
    from flows.pipeline import ingest

    cfg = settings_mod.load().with_overrides(mirror=mirror)
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
            style = _status_style(r.status)
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


def check_selection(datasets: list[str] | None, vintages: list[str] | None) -> None:
    """Unknown `-d` datasets or `-v` vintages stop the command at the door (exit 2) with the
    closest names, before anything is locked or downloaded."""
    import difflib

    from connectors import registry

    catalog = registry.catalog()
    problems = []
    for name in datasets or ():
        if name not in catalog:
            close = difflib.get_close_matches(name, list(catalog), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"unknown dataset {name!r}{hint}")
    chosen = [catalog[d] for d in datasets or catalog if d in catalog]
    known = sorted({v for ds in chosen for v in ds.vintages})
    for name in vintages or ():
        if name not in known:
            problems.append(
                f"no selected dataset has a vintage {name!r} (known: {', '.join(known)})"
            )
    if problems:
        console.print(
            f"[red]Invalid option[/red]: {escape('; '.join(problems))}; "
            "`gpect sources` lists every dataset and vintage."
        )
        raise typer.Exit(2)


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
    problem = settings_mod.mirror_problem(mirror, "--mirror")
    if problem:
        console.print(f"[red]Invalid option[/red]: {escape(problem)}")
        raise typer.Exit(2)
    require_extra("prefect", "prefect", "gpect refresh")
    if settings_mod.load().task_runner == "dask":
        require_extra("prefect_dask", "dask", "GPECT_TASK_RUNNER=dask")
    from flows.refresh_flow import refresh as refresh_flow

    # The flow's own log says which vintages failed and why; here one line and the exit code.
    state = refresh_flow(
        datasets=dataset, vintages=vintage, force=force, mirror=mirror, return_state=True
    )
    if state.is_failed():
        console.print(f"[red]Refresh failed[/red]: {escape(str(state.message))}")
        raise typer.Exit(1)


CandidatesOpt = Annotated[
    str | None,
    typer.Option(
        "--candidates",
        help="File of the candidate towns replacing the default ACV towns: INSEE commune codes "
        "or names, one per line ('Name (département)' for homonyms; '#' comments).",
    ),
]


def read_candidates(path: str | None) -> list[str] | None:
    """The lines of a candidates file, checked at the door (UTF-8, grammar, duplicates); the
    build resolves them against the reference geography."""
    if not path:
        return None
    from connectors.shared import candidates as candidates_mod

    try:
        lines = candidates_mod.read_file(Path(path))
        candidates_mod.parse_lines(lines, source=f"candidates file {path}")
    except candidates_mod.CandidatesError as exc:
        console.print(f"[red]Candidates refused[/red]: {escape(str(exc))}")
        raise typer.Exit(2) from exc
    return lines


def run_build(candidates: str | None, force: bool = False) -> freshness.WarehouseOutcome:
    """Build unless the warehouse is up to date with its inputs (`force` builds anyway)."""
    from flows.pipeline import build as build_mod
    from flows.pipeline import freshness

    cfg = settings_mod.load()
    codes = read_candidates(candidates)
    with data_lock(cfg), progress_bar(counted=False) as bar:
        bar.add_task("Building the warehouse", total=None)
        try:
            outcome = freshness.build_if_stale(cfg, codes, force=force)
        except build_mod.BuildError as exc:
            bar.stop()
            console.print(f"[red]Build failed[/red]: {escape(str(exc))}")
            raise typer.Exit(1) from exc
    if not outcome.rebuilt:
        console.print(
            f"Warehouse {escape(str(cfg.warehouse))} is up to date ({escape(outcome.reason)}); "
            "--force rebuilds it."
        )
        return outcome
    result = outcome.result
    marts = {k: v for k, v in result.tables.items() if k.startswith("mart_")}
    console.print(
        f"Warehouse rebuilt ({escape(outcome.reason)}) and published to "
        f"{escape(str(result.path))} in {result.seconds:.1f} s: {len(result.tables)} tables, "
        f"{len(result.checks)} checks passed"
    )
    for name, rows in marts.items():
        console.print(f"  {name}: {rows:,} rows")
    return outcome


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

    cfg = settings_mod.load()
    path = build_mod.write_reference(cfg, cfg.build_parameters, version)
    console.print(
        f"Reference {escape(version)} written to {escape(str(path))}; review and commit it."
    )


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
    changed, then the reports and the shortlist when the warehouse or their code changed; ends
    with what changed and where the outputs are."""
    start = time.perf_counter()
    if pdf:
        require_extra("weasyprint", "pdf", "gpect run --pdf")
        require_extra("kaleido", "pdf", "gpect run --pdf")
    cfg = settings_mod.load().with_overrides(mirror=mirror)
    with json_mode(as_json), data_lock(cfg):
        results = run_fetch(mirror, None, None, force, detail=False)
        failed = [r for r in results if r.status == "failed"]
        if failed:
            console.print(
                f"[red]{len(failed)} sources failed[/red]; the build uses what was ingested before."
            )
        warehouse = run_build(candidates, force)
        outputs = run_outputs(cfg, force, pdf)
    if as_json:
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
        print_json(
            {
                "sources": {
                    "counts": counts,
                    "downloaded": [
                        f"{r.dataset} {r.vintage}" for r in results if r.status == "downloaded"
                    ],
                    "failed": [
                        {"dataset": r.dataset, "vintage": r.vintage, "message": r.message}
                        for r in failed
                    ],
                },
                "warehouse": {
                    "path": str(cfg.warehouse),
                    "rebuilt": warehouse.rebuilt,
                    "reason": warehouse.reason,
                    "seconds": warehouse.result.seconds if warehouse.rebuilt else 0.0,
                },
                "outputs": [
                    {
                        "step": step,
                        "outcome": outcome.split("\n")[0],
                        "path": outcome.split("\n")[-1],
                    }
                    for step, outcome in outputs
                ],
                "seconds": round(time.perf_counter() - start, 2),
            }
        )
        if failed:
            raise typer.Exit(1)
        return
    summary = Table(title="gpect run", show_header=False)
    summary.add_column("step", style="bold")
    summary.add_column("outcome", overflow="fold")
    summary.add_row("sources", Text(_sources_line(results)))
    if warehouse.rebuilt:
        built = f"rebuilt in {warehouse.result.seconds:.1f} s ({warehouse.reason})"
    else:
        built = f"unchanged ({warehouse.reason})"
    summary.add_row("warehouse", Text(f"{built}\n{cfg.warehouse}"))
    for step, outcome in outputs:
        summary.add_row(step, Text(outcome))
    summary.add_row("time", f"{time.perf_counter() - start:.1f} s")
    console.print(summary)
    if failed:
        raise typer.Exit(1)


REPORTS_DIR = settings_mod.REPO_ROOT / "reports"


def run_outputs(cfg: Settings, force: bool, pdf: bool) -> list[tuple[str, str]]:
    """Reports, the shortlist, then the diagnostic's evaluation files, each skipped when up to
    date with the warehouse, settings and rendering code; returns (step, outcome) rows for the
    summary."""
    from flows.cli import reports as cli_reports
    from flows.cli import shortlist as cli_shortlist
    from flows.pipeline import freshness
    from reports import evaluation as evaluation_mod

    out = cfg.data_dir / "out"

    def write_evaluation() -> None:
        evaluation_mod.write(evaluation_mod.load(cfg.warehouse), out / "evaluation")

    # (step, file whose sidecar records its inputs, the command that writes it, its module,
    # options that change what it writes)
    steps = [
        (
            "reports",
            out / "site" / "index.html",
            partial(cli_reports.report, town=None, all_towns=True, pdf=pdf),
            cli_reports,
            {"pdf": str(pdf)},
        ),
        (
            "shortlist",
            out / "shortlist" / "shortlist.csv",
            cli_shortlist.shortlist,
            cli_shortlist,
            {},
        ),
        (
            "evaluation",
            out / "evaluation" / "evaluation.json",
            write_evaluation,
            evaluation_mod,
            {},
        ),
    ]
    rows = []
    for step, marker, write, module, options in steps:
        inputs = freshness.output_inputs(cfg, [REPORTS_DIR, Path(module.__file__)]) | options
        reason = "forced" if force else freshness.stale_reason(marker, inputs)
        if reason is None:
            rows.append((step, f"unchanged (warehouse and code as before)\n{marker.parent}"))
            continue
        write()
        freshness.record(marker, inputs)
        rows.append((step, f"written ({reason})\n{marker.parent}"))
    return rows


def _sources_line(results: list[ingest.SourceStatus]) -> str:
    """Counts, then the dataset vintages that changed or failed by name."""
    line = fetch_counts(results)
    for status in ("downloaded", "failed"):
        named = [f"{r.dataset} {r.vintage}" for r in results if r.status == status]
        if named:
            line += f"\n{status}: " + ", ".join(named)
    return line


@app.command()
def export(
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default data/out/export).")
    ] = None,
) -> None:
    """Write the marts as Parquet and CSV, towns and catchments as GeoPackage and GeoParquet, and
    datapackage.json describing every table (types, units, French and English descriptions,
    licences, sources with sha256)."""
    cfg = settings_mod.load()
    if not cfg.warehouse.exists():
        console.print("[red]No warehouse yet[/red]: run `gpect build` first.")
        raise typer.Exit(1)
    from flows.pipeline.provenance import map_polygons_path
    from reports.export import ExportError
    from reports.export import export as export_marts

    polygons = map_polygons_path(cfg.parsed_dir)
    if not polygons.is_file():
        console.print(
            f"[red]No commune polygons at {escape(str(polygons))}[/red]: run "
            "`gpect fetch -d commune_polygons`."
        )
        raise typer.Exit(1)
    target = out or cfg.data_dir / "out" / "export"
    try:
        with console.status("Exporting the marts, the GeoPackage and datapackage.json…"):
            written = export_marts(cfg.warehouse, polygons, target)
    except ExportError as exc:
        console.print(f"[red]Export refused[/red]: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    console.print(f"{len(written)} files written to {escape(str(target))}")


@app.command()
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What is present locally: datasets, vintages, rows, sha256, fetched-at."""
    from flows.pipeline import ingest

    rows = ingest.inventory(settings_mod.load())
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
