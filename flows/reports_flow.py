"""Prefect flow `reports`: the report site with one task per town, for scheduled or deployed runs.

The tasks are thin wrappers over the functions `gpect report` calls directly. They run where the
settings say (`GPECT_TASK_RUNNER`, see flows/runners.py): threads by default, or Dask; each task
opens the warehouse itself, so workers only need the same data directory. PDFs share one headless
browser (kaleido), so they are printed in one task, town after town.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE

from flows import runners
from flows import settings as settings_mod
from flows.settings import Settings
from reports import data, geo, site


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
        polygons = geo.Polygons(data.polygon_path(cfg.parsed_dir))
        return site.write_town_page(con, code, site_data, polygons, _layout(cfg))
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def pdf_task(codes: list[str], site_data: data.SiteData, cfg: Settings) -> list[Path]:
    from reports import pdf

    con = _connect(cfg)
    try:
        polygons = geo.Polygons(data.polygon_path(cfg.parsed_dir))
        with pdf.StaticCharts() as charts:
            return [
                pdf.write_town_pdf(con, code, site_data, polygons, _layout(cfg), charts)
                for code in codes
            ]
    finally:
        con.close()


@flow(name="reports", task_runner=runners.configured(settings_mod.load()))
def reports(towns: list[str] | None = None, pdf: bool = False) -> list[str]:
    """Pages of `towns` (INSEE codes or names; default: every candidate town) and the index;
    with `pdf`, their PDFs too. Returns the paths written."""
    cfg = settings_mod.load()
    layout = _layout(cfg)
    con = _connect(cfg)
    try:
        if towns:
            codes = [data.resolve_town(con, town).code for town in towns]
        else:
            codes = data.town_codes(con)
        site_data = data.load_site(con, cfg.raw_dir, cfg.parsed_dir)
    finally:
        con.close()
    site.prepare(site_data, layout, codes)
    futures = town_page_task.map(codes, unmapped(site_data), unmapped(cfg))
    written = [str(f.result()) for f in futures]
    written.append(str(site.write_index(site_data, layout)))
    if pdf:
        written += [str(p) for p in pdf_task(codes, site_data, cfg)]
    get_run_logger().info("%d town pages and the index written to %s", len(codes), layout.site_dir)
    return written
