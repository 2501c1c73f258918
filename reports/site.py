"""The static report site: one self-contained HTML page per town, an index, and plotly.js shipped
once for the whole site (pages load it with a relative script tag, so the site opens offline).

Layout under `<out>/site/`: `index.html`, `towns/<INSEE>.html`, `assets/plotly.min.js`. Templates
are rendered with autoescaping on; file names come from INSEE codes only (`data.safe_code`).
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from connectors.shared.codes import is_commune_code
from connectors.shared.files import write_bytes, write_text
from connectors.shared.names import fold
from reports import content, data, fmt, render
from reports.geo import Polygons


@dataclass(frozen=True)
class Layout:
    out_dir: Path

    @property
    def site_dir(self) -> Path:
        return self.out_dir / "site"

    @property
    def towns_dir(self) -> Path:
        return self.site_dir / "towns"

    @property
    def plotly_js(self) -> Path:
        return self.site_dir / "assets" / "plotly.min.js"

    @property
    def index(self) -> Path:
        return self.site_dir / "index.html"

    @property
    def pdf_dir(self) -> Path:
        return self.out_dir / "pdf"

    def town_page(self, code: str) -> Path:
        return self.towns_dir / f"{data.safe_code(code)}.html"

    def town_pdf(self, code: str) -> Path:
        return self.pdf_dir / f"{data.safe_code(code)}.pdf"

    def existing_pages(self) -> set[str]:
        if not self.towns_dir.is_dir():
            return set()
        return {p.stem for p in self.towns_dir.glob("*.html") if is_commune_code(p.stem)}


def charts_of(view: dict) -> list[content.Chart]:
    return [
        view["territoire"]["map"],
        *view["besoins"]["charts"],
        *view["offre"]["charts"],
        view["ecarts"]["specialisation"],
        view["ecarts"]["chart"],
    ]


def figures_json(charts: list[content.Chart]) -> Markup:
    return render.script_json(
        {c.id: c.figure.to_plotly_json() for c in charts if c.figure is not None}
    )


def render_town(view: dict, svgs: dict[str, str] | None = None) -> str:
    """The town page; with `svgs` (chart id → SVG image URL) the static version used for the
    PDF."""
    screen = svgs is None
    return render.render(
        "town.html.j2",
        v=view,
        svgs=svgs,
        figures_json=figures_json(charts_of(view)) if screen else Markup(""),
        live_json=render.script_json(view["live"]) if screen else Markup(""),
        live_js=render.live_js() if screen else Markup(""),
        css=render.css(),
    )


PROGRAMMES = (
    ("is_acv", "Action Cœur de Ville"),
    ("is_acv2", "Action Cœur de Ville 2"),
    ("is_territoire_industrie", "Territoires d'industrie"),
    ("is_pvd", "Petites villes de demain"),
)


def _programmes(row: dict) -> list[str]:
    return [label for key, label in PROGRAMMES if row[key]]


def _recommended(row: dict) -> list[str]:
    """The recommended sectors as numbered lines, tied ones on one line joined by "ou" (as in
    the Synthèse): ['1. A ou B', '3. C']."""
    labels, groups = row["recommended_sectors"], row["recommended_tie_groups"]
    if fmt.is_missing(labels):
        return []
    members = [
        {"sector_label": label, "tie_group": group, "position": n}
        for n, (label, group) in enumerate(zip(labels, groups, strict=True), start=1)
    ]
    return [
        f"{g[0]['position']}. {content.join_tied([m['sector_label'] for m in g])}"
        for g in content.tied_groups(members)
    ]


def render_index(site: data.SiteData, shortlist: bool) -> str:
    towns = []
    for r in data.records(site.towns):
        sectors = [] if fmt.is_missing(r["recommended_sectors"]) else list(r["recommended_sectors"])
        towns.append(
            {
                **r,
                "region": fmt.REGIONS.get(r["region_code"], r["region_code"] or fmt.MISSING),
                "population_sort": fmt.value_or(r["population"], -1),
                "programmes": _programmes(r),
                "sectors": sectors,
                "recommended": _recommended(r),
                # Sector names hold commas: a semicolon separates them.
                "partners": " ; ".join(r["partner_sectors"])
                if not fmt.is_missing(r["partner_sectors"])
                else "",
            }
        )
    # What the page's script filters, sorts and maps (reports/static/index.js).
    payload = [
        {
            "code": t["town_code"],
            "label": t["town_label"],
            "key": fold(t["town_label"]),
            "departement": t["departement_code"],
            "region": t["region"],
            "region_code": t["region_code"],
            "programmes": t["programmes"],
            "sectors": t["sectors"],
            "lat": None if fmt.is_missing(t["latitude"]) else float(t["latitude"]),
            "lon": None if fmt.is_missing(t["longitude"]) else float(t["longitude"]),
            "page": t["town_code"] in site.pages,
        }
        for t in towns
    ]
    return render.render(
        "index.html.j2",
        towns=towns,
        programmes=[label for _, label in PROGRAMMES],
        pages=site.pages,
        built_at=site.built_at,
        shortlist=shortlist,
        index_json=render.script_json(payload),
        index_js=render.static("index.js"),
        css=render.css(),
    )


def write_assets(layout: Layout) -> Path:
    """plotly.js, once for the whole site (rewritten only when plotly's version changed)."""
    script = get_plotlyjs().encode("utf-8")
    path = layout.plotly_js
    if not path.exists() or path.stat().st_size != len(script) or path.read_bytes() != script:
        write_bytes(path, script)
    return path


def prepare(site: data.SiteData, layout: Layout, codes: list[str]) -> None:
    """Pages link their peers and the index links towns only where a page exists or is about to."""
    site.pages |= layout.existing_pages() | set(codes)
    write_assets(layout)


def town_view(town: data.TownData, site: data.SiteData, polygons: Polygons) -> dict:
    return content.town_view(town, site, polygons.rings(town.polygon_codes))


def write_page(
    town: data.TownData, site: data.SiteData, polygons: Polygons, layout: Layout
) -> Path:
    return write_view(town_view(town, site, polygons), layout)


def write_view(view: dict, layout: Layout) -> Path:
    """The page of a town whose view is already made (the PDF's, when both are written)."""
    path = layout.town_page(view["code"])
    write_text(path, render_town(view))
    return path


def write_town_page(
    con: duckdb.DuckDBPyConnection,
    code: str,
    site: data.SiteData,
    polygons: Polygons,
    layout: Layout,
) -> Path:
    """One town's page (a per-town task); a whole site goes through `write_site`."""
    return write_page(data.load_town(con, code), site, polygons, layout)


def write_index(site: data.SiteData, layout: Layout) -> Path:
    shortlist = (layout.site_dir / "shortlist.html").exists()
    # `gpect shortlist` writes the index's shortlist script; until then, a script that says there
    # is none (a missing file would be a failed request in the browser).
    stub = layout.site_dir / "assets" / "shortlist.js"
    if not stub.exists():
        write_text(stub, "window.GPECT_SHORTLIST = null;\n")
    write_text(layout.index, render_index(site, shortlist))
    return layout.index


_FORKED: tuple | None = None


def _write_forked(code: str) -> Path:
    towns, site, polygons, layout = _FORKED
    return write_page(towns[code], site, polygons, layout)


def write_site(
    con: duckdb.DuckDBPyConnection,
    codes: list[str],
    site: data.SiteData,
    polygons: Polygons,
    layout: Layout,
    on_page=None,
) -> list[Path]:
    """Town pages for `codes`, the index and the shared assets; returns the pages written."""
    prepare(site, layout, codes)
    towns = data.load_towns(con, codes)
    workers = min(os.cpu_count() or 1, max(1, len(codes) // 8))
    pages = []
    if workers == 1:
        for code, town in towns.items():
            pages.append(write_page(town, site, polygons, layout))
            if on_page is not None:
                on_page(code)
    else:
        # Pages are pure CPU work on data already loaded: forked workers inherit it (no pickling
        # of the frames) and never touch the warehouse connection.
        global _FORKED
        _FORKED = (towns, site, polygons, layout)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for code, path in zip(codes, pool.imap(_write_forked, codes, 4), strict=True):
                    pages.append(path)
                    if on_page is not None:
                        on_page(code)
        finally:
            _FORKED = None
    write_index(site, layout)
    return pages
