"""The `gpect` command line. Interactive commands call plain functions directly; Prefect flows
are for scheduled or deployed runs (a flow pays a ~15 s ephemeral server start, see STACK.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows import build as build_mod
from flows import ingest
from flows import settings as settings_mod

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()

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


def _status_style(status: str) -> str:
    return {"failed": "red", "downloaded": "green", "not in mirror": "yellow"}.get(status, "")


def run_fetch(mirror: str | None, dataset, vintage, force: bool) -> list[ingest.SourceStatus]:
    cfg = settings_mod.load().with_overrides(mirror=mirror)
    where = cfg.mirror or "official URLs"
    console.print(f"Fetching from [bold]{where}[/bold] into {cfg.raw_dir}")
    selected = ingest.select(dataset, vintage)
    with console.status("") as spinner:
        done = []

        def tick(row: ingest.SourceStatus) -> None:
            done.append(row)
            spinner.update(f"{len(done)}/{len(selected)} {row.dataset} {row.vintage}: {row.status}")
            if row.status == "failed":
                console.print(f"[red]✗[/red] {row.message}")

        results = ingest.ingest(cfg, dataset, vintage, force=force, on_done=tick)
    table = Table(title="Ingestion summary")
    for col in ("dataset", "vintage", "rows", "status", "source"):
        table.add_column(col, justify="right" if col == "rows" else "left", overflow="fold")
    for r in results:
        table.add_row(
            r.dataset,
            r.vintage,
            "" if r.rows is None else f"{r.rows:,}",
            f"[{_status_style(r.status)}]{r.status}[/]" if _status_style(r.status) else r.status,
            r.source or r.message,
        )
    console.print(table)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    console.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return results


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
    import os

    from flows.refresh import refresh as refresh_flow

    if mirror:
        os.environ["GPECT_MIRROR"] = mirror
    refresh_flow(datasets=dataset, vintages=vintage, force=force)


CandidatesOpt = Annotated[
    str | None,
    typer.Option(
        "--candidates",
        help="File of INSEE commune codes (one per line) replacing the default ACV towns.",
    ),
]


def read_candidates(path: str | None) -> list[str] | None:
    if not path:
        return None
    codes = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    codes = [c for c in codes if c and not c.startswith("#")]
    bad = [c for c in codes if not re.fullmatch(r"\d[\dAB]\d{3}", c)]
    if bad:
        raise typer.BadParameter(f"not INSEE commune codes: {bad[:5]}", param_hint="--candidates")
    return codes


def run_build(candidates: str | None) -> None:
    cfg = settings_mod.load()
    with console.status("Building the warehouse…"):
        try:
            result = build_mod.build(cfg, cfg.model, read_candidates(candidates))
        except build_mod.BuildError as exc:
            console.print(f"[red]Build failed[/red]: {exc}")
            raise typer.Exit(1) from exc
    marts = {k: v for k, v in result.tables.items() if k.startswith("mart_")}
    console.print(
        f"Warehouse published to {result.path} in {result.seconds:.1f} s: "
        f"{len(result.tables)} tables, {len(result.checks)} checks passed"
    )
    for name, rows in marts.items():
        console.print(f"  {name}: {rows:,} rows")


@app.command()
def build(candidates: CandidatesOpt = None) -> None:
    """Build the DuckDB warehouse from the ingested files; publish it only if every check passes."""
    run_build(candidates)


@app.command()
def reference(
    version: Annotated[str, typer.Option(help="Name of the new reference version.")],
) -> None:
    """Recompute the national reference distribution rankings are standardised against."""
    cfg = settings_mod.load()
    path = build_mod.write_reference(cfg, cfg.model, version)
    console.print(f"Reference {version} written to {path}; review and commit it.")


@app.command()
def run(
    mirror: MirrorOpt = None,
    candidates: CandidatesOpt = None,
    force: Annotated[
        bool, typer.Option(help="Download and parse again even if unchanged.")
    ] = False,
) -> None:
    """The whole chain: fetch every source (conditional), then build the warehouse."""
    results = run_fetch(mirror, None, None, force)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        console.print(
            f"[red]{len(failed)} sources failed[/red]; the build uses what was ingested before."
        )
    run_build(candidates)
    if failed:
        raise typer.Exit(1)


@app.command()
def export(
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default data/out/export).")
    ] = None,
) -> None:
    """Write the marts as Parquet and CSV, and towns and catchments as a GeoPackage."""
    from connectors import parse
    from reports.export import export as export_marts

    cfg = settings_mod.load()
    if not cfg.warehouse.exists():
        console.print("[red]No warehouse yet[/red]: run `gpect build` first.")
        raise typer.Exit(1)
    polygons, _, _ = parse.parsed_paths(cfg.parsed_dir, "commune_polygons", "cog2018")
    target = out or cfg.data_dir / "out" / "export"
    with console.status("Exporting…"):
        written = export_marts(cfg.warehouse, polygons, target)
    console.print(f"{len(written)} files written to {target}")


@app.command()
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What is present locally: datasets, vintages, rows, sha256, fetched-at."""
    rows = ingest.inventory(settings_mod.load())
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="Sources")
    for col in ("dataset", "vintage", "rows", "sha256", "fetched at", "publisher"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["dataset"],
            r["vintage"],
            "" if r["rows"] is None else f"{r['rows']:,}",
            (r["sha256"] or (f"{r['parts']} parts" if r["parts"] else "absent"))[:16],
            (r["fetched_at"] or "")[:19],
            r["publisher"],
        )
    console.print(table)
    present = sum(r["present"] for r in rows)
    console.print(f"{present}/{len(rows)} dataset vintages present")


# Commands of the presentation layer live in their own modules, registered on `app` at import.
from flows import cli_reports, cli_shortlist  # noqa: E402, F401

if __name__ == "__main__":
    app()
