"""What a published warehouse becomes, as plain functions: the report site (and its PDFs), the
jury shortlist, the diagnostic's evaluation files and the open-data export.

Every function takes the settings it was given (never re-reads the environment) and holds the
data directory's lock while it writes (the lock is re-entrant, so `run()` holding it around the
whole chain costs nothing here). A mistake a user can fix (no warehouse yet, an unknown town, a
refused candidates file) raises `OutputError` with a one-line message the doors print as is.

The site is rendered in three steps (`plan_reports`, a page per town, `write_index`), so that the
CLI loops over towns in one process (`write_reports`) while the Prefect flow maps one task per
town over the very same functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flows.pipeline import lock
from flows.pipeline.browser import open_browser
from flows.pipeline.errors import OutputError
from flows.pipeline.settings import REPO_ROOT, Settings

if TYPE_CHECKING:
    import duckdb

    from reports import chromium, data, site

REPORTS_DIR = REPO_ROOT / "reports"

Tick = Callable[[str], None]


def writing(cfg: Settings, what: str):
    """The data directory's lock while an output is written."""
    return lock.hold(cfg.data_dir, timeout=cfg.lock_timeout, command=f"gpect {what}")


def out_dir(cfg: Settings) -> Path:
    return cfg.data_dir / "out"


def require_warehouse(cfg: Settings) -> None:
    if not cfg.warehouse.exists():
        raise OutputError(f"no warehouse at {cfg.warehouse}: run `gpect build` first")


def connect(cfg: Settings) -> duckdb.DuckDBPyConnection:
    import duckdb

    require_warehouse(cfg)
    return duckdb.connect(str(cfg.warehouse), read_only=True)


# ---- the report site -----------------------------------------------------------------------


@dataclass
class ReportPlan:
    """What every page of one rendering shares: the towns, the site-wide data, where to write."""

    cfg: Settings
    codes: list[str]
    site_data: data.SiteData
    layout: site.Layout


@dataclass
class ReportsResult:
    towns: list[str]
    pages: list[Path]
    index: Path
    pdfs: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> dict:
        return {
            "towns": self.towns,
            "pages": [str(p) for p in self.pages],
            "index": str(self.index),
            "pdfs": [str(p) for p in self.pdfs],
            "seconds": round(self.seconds, 2),
        }


def plan_reports(cfg: Settings, towns: list[str] | None = None) -> ReportPlan:
    """Resolve the towns (INSEE codes or names; None: every candidate town), load the site-wide
    data once and prepare the site's shared assets."""
    from reports import data, site

    con = connect(cfg)
    try:
        if towns:
            try:
                codes = [data.resolve_town(con, town).code for town in towns]
            except data.TownLookupError as exc:
                raise OutputError(f"no report: {exc}") from exc
        else:
            codes = data.town_codes(con)
        site_data = data.load_site(con)
    finally:
        con.close()
    layout = site.Layout(out_dir(cfg))
    site.prepare(site_data, layout, codes)
    return ReportPlan(cfg, codes, site_data, layout)


def _polygons(cfg: Settings, preload: bool):
    from flows.pipeline.provenance import map_polygons_path
    from reports import geo

    return geo.Polygons(map_polygons_path(cfg.parsed_dir), preload=preload)


def write_town_page(plan: ReportPlan, code: str) -> Path:
    """One town's page, with its own warehouse connection (what a per-town task runs)."""
    from reports import site

    with writing(plan.cfg, f"report {code}"):
        con = connect(plan.cfg)
        try:
            return site.write_town_page(
                con, code, plan.site_data, _polygons(plan.cfg, False), plan.layout
            )
        finally:
            con.close()


def write_index(plan: ReportPlan) -> Path:
    from reports import site

    with writing(plan.cfg, "report --all"):
        return site.write_index(plan.site_data, plan.layout)


def write_pages(plan: ReportPlan, on_page: Tick | None = None) -> list[Path]:
    """Every planned town's page in one pass (data loaded once, pages rendered in parallel
    processes), then the index."""
    from reports import site

    with writing(plan.cfg, "report"):
        con = connect(plan.cfg)
        try:
            polygons = _polygons(plan.cfg, len(plan.codes) > 1)
            return site.write_site(
                con, plan.codes, plan.site_data, polygons, plan.layout, on_page=on_page
            )
        finally:
            con.close()


def write_pdfs(
    plan: ReportPlan,
    codes: list[str] | None = None,
    on_pdf: Tick | None = None,
    each: Callable[[Callable[[], Path], str], Path] | None = None,
    browser: chromium.Chromium | None = None,
) -> list[Path]:
    """The PDFs of `codes` (default: the plan's towns) through one headless browser session
    (`browser`, if the caller opened it early; else one opened here).
    `each(write, code)` runs each town's write (a Prefect door names it as its own task)."""
    return _print(plan, plan.codes if codes is None else codes, on_pdf, each, browser)


def write_pages_and_pdfs(
    plan: ReportPlan,
    on_page: Tick | None = None,
    on_pdf: Tick | None = None,
    browser: chromium.Chromium | None = None,
) -> tuple[list[Path], list[Path]]:
    """Each planned town's page and PDF from one view, made once, then the index: the page is
    written while the browser draws the town's charts. What `gpect report --pdf` runs."""
    from reports import site

    pages: list[Path] = []

    def write_page(view: dict) -> None:
        pages.append(site.write_view(view, plan.layout))
        if on_page is not None:
            on_page(view["code"])

    pdfs = _print(plan, plan.codes, on_pdf, None, browser, on_view=write_page)
    write_index(plan)
    return pages, pdfs


def _print(
    plan: ReportPlan,
    codes: list[str],
    on_pdf: Tick | None,
    each: Callable[[Callable[[], Path], str], Path] | None,
    browser: chromium.Chromium | None,
    on_view: Callable[[dict], None] | None = None,
) -> list[Path]:
    from reports import data
    from reports import pdf as pdf_mod
    from reports.chromium import ChromiumError

    paths = []
    session = open_browser() if browser is None else nullcontext(browser)
    with writing(plan.cfg, "report --pdf"), session as browser:
        con = connect(plan.cfg)
        try:
            polygons = _polygons(plan.cfg, len(codes) > 1)
            towns = data.load_towns(con, codes).values()
        finally:
            con.close()
        for town in pdf_mod.staged(towns, plan.site_data, polygons, browser, on_view):

            def write(town: pdf_mod.Staged = town) -> Path:
                try:
                    return pdf_mod.write_pdf(town, plan.layout, browser)
                except ChromiumError as exc:
                    raise OutputError(f"no PDF for {town.code}: {exc}") from exc

            paths.append(write() if each is None else each(write, town.code))
            if on_pdf is not None:
                on_pdf(town.code)
    return paths


def write_reports(
    cfg: Settings,
    towns: list[str] | None = None,
    *,
    pdf: bool = False,
    on_page: Tick | None = None,
    on_pdf: Tick | None = None,
) -> ReportsResult:
    """The pages of `towns` (None: every candidate town) and the index; with `pdf`, their PDFs."""
    started = time.perf_counter()
    with writing(cfg, "report"), open_browser() if pdf else nullcontext() as browser:
        plan = plan_reports(cfg, towns)
        if pdf:
            pages, pdfs = write_pages_and_pdfs(plan, on_page, on_pdf, browser)
        else:
            pages, pdfs = write_pages(plan, on_page), []
    return ReportsResult(
        plan.codes, pages, plan.layout.index, pdfs, seconds=time.perf_counter() - started
    )


# ---- the jury shortlist --------------------------------------------------------------------


@dataclass
class ShortlistResult:
    shortlist: object  # reports.shortlist.Shortlist (pandas is imported only when it is made)
    files: list[Path]
    warnings: list[str]
    seconds: float


def write_shortlist(
    cfg: Settings,
    *,
    candidates_file: Path | None = None,
    top: int = 15,
    select: int | None = None,
    seed: int | None = None,
    draws: int | None = None,
    bundle: bool = False,
    on_status: Tick | None = None,
) -> ShortlistResult:
    """Rank the candidate towns, write the jury workbook, both CSV variants and the shortlist
    page; with `bundle`, a zip carrying the workbook and the site together."""
    from connectors.shared import candidates as candidates_mod
    from reports import shortlist as shortlist_mod

    status = on_status or (lambda _: None)
    started = time.perf_counter()
    require_warehouse(cfg)
    with writing(cfg, "shortlist"):
        status("Reading the warehouse…")
        try:
            params = cfg.shortlist
            inputs = shortlist_mod.load_inputs(cfg.warehouse)
            chosen = None
            if candidates_file is not None:
                try:
                    lines = candidates_mod.read_file(candidates_file)
                except candidates_mod.CandidatesError as exc:
                    raise shortlist_mod.ShortlistError(str(exc)) from exc
                chosen = shortlist_mod.resolve_candidates(lines, inputs.profile)
            status(
                f"Ranking {len(chosen or inputs.profile)} towns over "
                f"{draws or int(params['draws']):,} Monte Carlo draws…"
            )
            result = shortlist_mod.make_shortlist(
                inputs, params, candidates=chosen, top=top, select=select, draws=draws, seed=seed
            )
        except shortlist_mod.ShortlistError as exc:
            raise OutputError(f"shortlist failed: {exc}") from exc
        status("Writing the workbook, the CSV files and the page…")
        from reports.shortlist.page import write_page
        from reports.shortlist.workbook import write_bundle, write_workbook

        out = out_dir(cfg)
        files = [
            write_workbook(result, out / "shortlist" / "shortlist.xlsx", cfg.site_url),
            shortlist_mod.write_csv(result, out / "shortlist" / "shortlist.csv"),
            shortlist_mod.write_csv_fr(result, out / "shortlist" / "shortlist_excel_fr.csv"),
            write_page(result, out / "site"),
        ]
        warnings = []
        if bundle:
            if not (out / "site" / "towns").is_dir():
                warnings.append(
                    "no town pages yet: the zip carries the workbook and the shortlist page "
                    "only; run `gpect report --all` first for working links"
                )
            status("Zipping the workbook and the site…")
            files.append(write_bundle(out, out / "gpect_shortlist.zip"))
    return ShortlistResult(result, files, warnings, time.perf_counter() - started)


# ---- the evaluation and the export ---------------------------------------------------------


@dataclass
class EvaluationResult:
    records: list[dict]
    files: list[Path]


def write_evaluation(cfg: Settings) -> EvaluationResult:
    """evaluation.json and evaluation.md from the warehouse's backtest mart."""
    from reports import evaluation as evaluation_mod

    try:
        frame = evaluation_mod.load(cfg.warehouse)
    except evaluation_mod.EvaluationError as exc:
        raise OutputError(str(exc)) from exc
    with writing(cfg, "evaluate"):
        files = evaluation_mod.write(frame, out_dir(cfg) / "evaluation")
    return EvaluationResult(evaluation_mod.records(frame), list(files))


def write_export(cfg: Settings, target: Path | None = None) -> dict[str, Path]:
    """The marts as Parquet and CSV, towns and catchments as GeoPackage and GeoParquet, and
    datapackage.json, in `target` (default data/out/export)."""
    from flows.pipeline.provenance import map_polygons_path
    from reports.export import ExportError, export

    require_warehouse(cfg)
    polygons = map_polygons_path(cfg.parsed_dir)
    if not polygons.is_file():
        raise OutputError(
            f"no commune polygons at {polygons}: run `gpect fetch -d commune_polygons`"
        )
    target = target or out_dir(cfg) / "export"
    with writing(cfg, "export"):
        try:
            return export(cfg.warehouse, polygons, target)
        except ExportError as exc:
            raise OutputError(f"export refused: {exc}") from exc
