"""`gpect report`: per-town diagnostic reports (HTML site and PDF).

The command calls the `reports` functions directly (no Prefect server to start); the Prefect flow
`reports` (flows/reports_flow.py) runs the same functions, one task per town, for deployments.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli.common import (
    JsonOpt,
    app,
    console,
    json_mode,
    print_json,
    progress_bar,
    require_extra,
)
from flows.pipeline import settings as settings_mod


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
    with json_mode(as_json):
        written = _report(town, all_towns, pdf)
    if as_json:
        print_json(written)


def _report(town: str | None, all_towns: bool, pdf: bool) -> dict:
    import duckdb

    from flows.pipeline.provenance import map_polygons_path
    from reports import data, geo, site

    if (town is None) != all_towns:
        raise typer.BadParameter("give either a TOWN or --all", param_hint="TOWN")
    if pdf:
        require_extra("weasyprint", "pdf", "gpect report --pdf")
        require_extra("kaleido", "pdf", "gpect report --pdf")
    cfg = settings_mod.load()
    if not cfg.warehouse.exists():
        console.print(
            f"[red]No warehouse at {escape(str(cfg.warehouse))}[/red]: run `gpect build`."
        )
        raise typer.Exit(1)
    started = time.perf_counter()
    con = duckdb.connect(str(cfg.warehouse), read_only=True)
    try:
        if all_towns:
            codes = data.town_codes(con)
        else:
            try:
                codes = [data.resolve_town(con, town).code]
            except data.TownLookupError as exc:
                console.print(f"[red]No report[/red]: {escape(str(exc))}")
                raise typer.Exit(1) from exc
        layout = site.Layout(cfg.data_dir / "out")
        site_data = data.load_site(con)
        polygons = geo.Polygons(map_polygons_path(cfg.parsed_dir), preload=len(codes) > 1)
        with progress_bar() as bar:
            job = bar.add_task("Writing reports", total=len(codes))
            pages = site.write_site(
                con,
                codes,
                site_data,
                polygons,
                layout,
                on_page=lambda code: bar.update(
                    job, advance=1, description=f"Writing reports {code}"
                ),
            )
        seconds = time.perf_counter() - started
        largest = max(p.stat().st_size for p in pages)
        console.print(
            f"{len(pages)} page(s) written to {escape(str(layout.towns_dir))} in {seconds:.1f} s "
            f"(largest {largest / 1e6:.2f} MB); index: {escape(str(layout.index))}"
        )
        if pdf:
            # WeasyPrint and kaleido take ~1.5 s to import: only for --pdf.
            from flows.runners import quiet_weasyprint
            from reports import pdf as pdf_mod

            quiet_weasyprint()

            with progress_bar() as bar, pdf_mod.StaticCharts() as charts:
                job = bar.add_task("Printing PDFs", total=len(codes))
                pdfs = pdf_mod.write_pdfs(
                    con,
                    codes,
                    site_data,
                    polygons,
                    layout,
                    charts,
                    on_pdf=lambda code: bar.update(
                        job, advance=1, description=f"Printing PDF {code}"
                    ),
                )
            console.print(f"{len(pdfs)} PDF(s) written to {escape(str(layout.pdf_dir))}")
    finally:
        con.close()
    return {
        "towns": codes,
        "pages": [str(p) for p in pages],
        "index": str(layout.index),
        "pdfs": [str(p) for p in pdfs] if pdf else [],
        "seconds": round(time.perf_counter() - started, 2),
    }
