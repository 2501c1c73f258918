"""Prefect flow `reports`: the report site with one task per town, for scheduled or deployed runs.

The tasks are thin wrappers over the functions `gpect report` calls directly. Pages run where the
settings say (`GPECT_TASK_RUNNER`, see flows/runners.py): threads by default, or Dask; each task
opens the warehouse itself, so workers only need the same data directory. PDFs share one headless
browser (kaleido), so they are printed one town after the other in the flow's process, each as
its own named task (`pdf-<INSEE>`), inside one browser session. The run ends with the artifact
`gpect-reports`: what was written, with links to the site, the jury workbook and the evaluation.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows import runners
from flows.build_flow import run_name
from flows.pipeline import settings as settings_mod
from flows.pipeline.provenance import map_polygons_path
from flows.pipeline.settings import Settings
from reports import data, geo, site

# A PDF takes seconds: one past this is hung. PDF tasks run in the flow's thread, where a timeout
# interrupts them; page tasks run in worker threads, where Prefect cannot (it would log a warning
# per town instead), so the flow's timeout bounds them.
PDF_TIMEOUT_SECONDS = 600
REPORTS_TIMEOUT_SECONDS = 6 * 3600


def _connect(cfg: Settings) -> duckdb.DuckDBPyConnection:
    if not cfg.warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {cfg.warehouse}: run `gpect build` first")
    return duckdb.connect(str(cfg.warehouse), read_only=True)


def _layout(cfg: Settings) -> site.Layout:
    return site.Layout(cfg.data_dir / "out")


# Rendering writes files: a cached result would skip the write, so no task here is cached.
@task(task_run_name="report-{code}", cache_policy=NO_CACHE)
def town_page_task(code: str, site_data: data.SiteData, cfg: Settings) -> Path:
    con = _connect(cfg)
    try:
        polygons = geo.Polygons(map_polygons_path(cfg.parsed_dir))
        return site.write_town_page(con, code, site_data, polygons, _layout(cfg))
    finally:
        con.close()


@task(task_run_name="pdf-{code}", cache_policy=NO_CACHE, timeout_seconds=PDF_TIMEOUT_SECONDS)
def town_pdf_task(code: str, con, site_data: data.SiteData, polygons, layout, charts) -> Path:
    from reports import pdf

    return pdf.write_town_pdf(con, code, site_data, polygons, layout, charts)


def _link(path: Path, cfg: Settings, site_relative: str | None = None) -> str:
    """A Markdown link to an output: under GPECT_SITE_URL for site pages when it is set (what a
    colleague can open), otherwise the file on the worker's machine."""
    if site_relative is not None and cfg.site_url:
        target = f"{cfg.site_url.rstrip('/')}/{site_relative}"
    else:
        target = path.resolve().as_uri()
    return f"[{path.name}]({target})"


def outputs_markdown(cfg: Settings, codes: list[str], pdfs: int) -> str:
    """The run's artifact: what was written and where the analyst opens it."""
    out = cfg.data_dir / "out"
    layout = _layout(cfg)
    lines = [
        "# gpect reports",
        "",
        f"{len(codes)} town pages" + (f" and {pdfs} PDFs" if pdfs else "") + " written.",
        "",
        f"- Site: {_link(layout.index, cfg, 'index.html')}",
    ]
    outputs = [
        ("Jury workbook", out / "shortlist" / "shortlist.xlsx", "gpect shortlist"),
        ("Shortlist page", layout.site_dir / "shortlist.html", "gpect shortlist"),
        ("Evaluation", out / "evaluation" / "evaluation.md", "gpect evaluate"),
    ]
    for label, path, command in outputs:
        if path.is_file():
            relative = "shortlist.html" if path.parent == layout.site_dir else None
            lines.append(f"- {label}: {_link(path, cfg, relative)}")
        else:
            lines.append(f"- {label}: not written yet (`{command}`)")
    if len(codes) <= 20:
        lines += ["", "Towns: " + ", ".join(codes)]
    return "\n".join(lines)


@flow(
    name="reports",
    task_runner=runners.configured(settings_mod.load()),
    flow_run_name=run_name("reports"),
    timeout_seconds=REPORTS_TIMEOUT_SECONDS,
)
def reports(towns: list[str] | None = None, pdf: bool = False) -> list[str]:
    """Write the per-town diagnostic pages and the index; with `pdf`, their PDFs too.

    Returns the paths written.

    Args:
        towns: INSEE codes or names of candidate towns (accents and case ignored); empty:
            every candidate town of the warehouse.
        pdf: Also print each town's report to data/out/pdf/<INSEE>.pdf (a few seconds a town).
    """
    cfg = settings_mod.load()
    layout = _layout(cfg)
    con = _connect(cfg)
    try:
        if towns:
            codes = [data.resolve_town(con, town).code for town in towns]
        else:
            codes = data.town_codes(con)
        site_data = data.load_site(con)
    finally:
        con.close()
    site.prepare(site_data, layout, codes)
    futures = town_page_task.map(codes, unmapped(site_data), unmapped(cfg))
    written = [str(f.result()) for f in futures]
    written.append(str(site.write_index(site_data, layout)))
    pdfs = []
    if pdf:
        runners.quiet_weasyprint()
        from reports import pdf as pdf_mod

        con = _connect(cfg)
        try:
            polygons = geo.Polygons(map_polygons_path(cfg.parsed_dir))
            with pdf_mod.StaticCharts() as charts:
                pdfs = [
                    str(town_pdf_task(code, con, site_data, polygons, layout, charts))
                    for code in codes
                ]
        finally:
            con.close()
    get_run_logger().info("%d town pages and the index written to %s", len(codes), layout.site_dir)
    create_markdown_artifact(
        outputs_markdown(cfg, codes, len(pdfs)),
        key="gpect-reports",
        description="Pages written and where to open the site, the workbook and the evaluation",
    )
    return written + pdfs
