"""`gpect report` and `gpect export`: the per-town diagnostic site (and PDFs), and the open-data
export, through the plain functions of `flows/pipeline/outputs.py` (which the Prefect flows call
too)."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli.common import (
    JsonOpt,
    app,
    console,
    data_lock,
    fail,
    json_mode,
    print_json,
    progress_bar,
    require_extra,
    settings,
)


@app.command()
def report(
    town: Annotated[
        str | None,
        typer.Argument(help="INSEE code or name of a candidate town (accents and case ignored)."),
    ] = None,
    all_towns: Annotated[
        bool, typer.Option("--all", help="Every candidate town, and the index.")
    ] = False,
    pdf: Annotated[
        bool,
        typer.Option("--pdf", help="Also print the report to data/out/pdf/<INSEE>.pdf."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the diagnostic of a town (or of every candidate town) to data/out/site/."""
    if (town is None) != all_towns:
        raise typer.BadParameter("give either a TOWN or --all", param_hint="TOWN")
    started = time.perf_counter()
    session = nullcontext()
    if pdf:
        require_extra("playwright", "pdf", "gpect report --pdf")
        from flows.pipeline.browser import open_browser
        from flows.pipeline.errors import OutputError

        try:
            session = open_browser()
        except OutputError as exc:
            raise fail("No PDF", str(exc)) from exc
    # Entered first: the browser starts while the reports load.
    with session as browser:
        from flows.pipeline import outputs

        cfg = settings()
        with json_mode(as_json), data_lock(cfg):
            try:
                plan = outputs.plan_reports(cfg, None if all_towns else [town])
                with progress_bar() as bar:
                    job = bar.add_task("Writing reports", total=len(plan.codes) * (1 + pdf))

                    def tick(what: str):
                        return lambda code: bar.update(job, advance=1, description=f"{what} {code}")

                    if pdf:
                        pages, pdfs = outputs.write_pages_and_pdfs(
                            plan, tick("Writing report"), tick("Printing PDF"), browser
                        )
                    else:
                        pages, pdfs = outputs.write_pages(plan, tick("Writing reports")), []
                largest = max(p.stat().st_size for p in pages)
                seconds = f"{time.perf_counter() - started:.1f} s"
                console.print(
                    f"{len(pages)} page(s) written to {escape(str(plan.layout.towns_dir))}"
                    + ("" if pdf else f" in {seconds}")
                    + f" (largest {largest / 1e6:.2f} MB); index: {escape(str(plan.layout.index))}"
                )
                if pdf:
                    console.print(
                        f"{len(pdfs)} PDF(s) written to {escape(str(plan.layout.pdf_dir))}; "
                        f"pages and PDFs in {seconds}"
                    )
            except outputs.OutputError as exc:
                raise fail("No report", str(exc)) from exc
        if as_json:
            result = outputs.ReportsResult(
                plan.codes, pages, plan.layout.index, pdfs, time.perf_counter() - started
            )
            print_json(result.as_json())


@app.command()
def export(
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default data/out/export).")
    ] = None,
) -> None:
    """Write the marts as Parquet and CSV, towns and catchments as GeoPackage and GeoParquet, and
    datapackage.json describing every table (types, units, French and English descriptions,
    licences, sources with sha256)."""
    from flows.pipeline import outputs

    cfg = settings()
    with data_lock(cfg):
        try:
            with console.status("Exporting the marts, the GeoPackage and datapackage.json…"):
                written = outputs.write_export(cfg, out)
        except outputs.OutputError as exc:
            raise fail("Export failed", str(exc)) from exc
    target = out or outputs.out_dir(cfg) / "export"
    console.print(f"{len(written)} files written to {escape(str(target))}")
