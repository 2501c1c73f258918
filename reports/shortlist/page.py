"""The jury page of the report site (`out/site/shortlist.html`): the ranking with each score's
decomposition into criteria, the 90 % rank interval, the recommended concept and its rule, the
eligibility flags, the selected set, and the methodology. Rendered by Jinja with autoescape on;
every town links to its report `towns/<INSEE>.html`."""

from __future__ import annotations

from pathlib import Path

from connectors.shared.codes import is_commune_code
from connectors.shared.files import write_text
from reports import fmt
from reports.render import live_js, script_json
from reports.render import render as render_template
from reports.shortlist.criteria import CRITERIA
from reports.shortlist.methodology import methodology
from reports.shortlist.result import Shortlist

# One colour per criterion, in CRITERIA order (colour-blind safe, Okabe-Ito).
COLOURS = ("#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7")


def _text(value) -> str | None:
    """Missing text (None, or NaN in a pandas string column) as None, for the template's tests."""
    return None if fmt.is_missing(value) else value


def _position(rank: float, towns: int) -> float:
    """Where a rank sits on the interval track, in percent of its width."""
    return 0.0 if towns <= 1 else 100 * (rank - 1) / (towns - 1)


def context(result: Shortlist) -> dict:
    n = len(result.table)
    criteria = [
        {"key": c.key, "label": c.label, "weight": w, "colour": colour}
        for c, w, colour in zip(CRITERIA, result.weights, COLOURS, strict=True)
    ]
    towns = []
    for r in result.table.to_dict("records"):
        if not is_commune_code(r["town_code"]):
            raise ValueError(f"not an INSEE code: {r['town_code']!r}")
        parts = [
            {
                "label": c["label"],
                "colour": c["colour"],
                "points": r[f"contribution_{c['key']}"],
            }
            for c in criteria
        ]
        towns.append(
            {
                "code": r["town_code"],
                "label": r["town_label"],
                "departement": r["departement_code"],
                "rank": r["rank"],
                "score": r["score"],
                "parts": parts,
                "why": sorted(parts, key=lambda p: -p["points"]),
                "median_rank": r["median_rank"],
                "rank_low": r["rank_low"],
                "rank_high": r["rank_high"],
                "top_share": r["top_share"],
                "track": {
                    "low": _position(r["rank_low"], n),
                    "width": _position(r["rank_high"], n) - _position(r["rank_low"], n),
                    "median": _position(r["median_rank"], n),
                    "rank": _position(r["rank"], n),
                },
                "concept": r["concept"],
                "concept_label": r["concept_label"],
                "concept_rule": _text(r["concept_rule"]),
                "selection_step": None
                if fmt.is_missing(r.get("selection_step"))
                else int(r["selection_step"]),
                "flags": [
                    ("10-100 k hab.", r["is_population_in_band"]),
                    ("unité urbaine 10-100 k", r["is_urban_unit_in_band"]),
                    ("ACV", r["is_acv"]),
                    ("ACV 2", r["is_acv2"]),
                    ("TI", r["is_territoire_industrie"]),
                ],
                "population": r["population"],
                "urban_unit_population": r["urban_unit_population"],
                "top_sectors": _text(r["top_sectors"]),
                "partners": _text(r["partner_names"]),
                "missing": _text(r["missing_indicators"]),
            }
        )
    return {
        "towns": towns,
        "criteria": criteria,
        "top": result.top,
        "draws": result.monte_carlo.draws,
        "seed": int(result.params["seed"]),
        "built_at": result.built_at[:16],
        "methodology": methodology(result),
        "selected": None if result.selected is None else result.selected.to_dict("records"),
        "skipped": None if result.skipped is None else result.skipped.to_dict("records"),
        "concept_counts": result.table["concept_label"].value_counts().to_dict(),
    }


def live(result: Shortlist) -> dict:
    """What the page's weight sliders re-rank (reports/static/live.js): each town's criterion
    values (0–1), so that score = 100 × Σ w × value with the weights normalised, as published."""
    rows = result.table.sort_values("rank").to_dict("records")
    return {
        "kind": "towns",
        "tbody": "ranking-body",
        "count": result.top,
        "scale": 100,
        "digits": 1,
        "publishedText": "Poids publiés : le classement est celui du jury.",
        "changedText": "Poids modifiés : scores et rangs recalculés dans la page (rang médian, "
        "intervalles, concepts et sélection restent ceux des poids publiés).",
        "weights": [
            {"key": c.key, "label": c.label, "published": float(w)}
            for c, w in zip(CRITERIA, result.weights, strict=True)
        ],
        "items": [
            {
                "id": r["town_code"],
                "order": n,
                "values": [float(r[f"criterion_{c.key}"]) for c in CRITERIA],
            }
            for n, r in enumerate(rows)
        ],
    }


def shortlist_js(result: Shortlist) -> str:
    """`assets/shortlist.js` for the index (score and concept of each town; a script, not JSON,
    because pages opened from file:// cannot fetch files)."""
    payload = {
        r["town_code"]: {
            "rank": int(r["rank"]),
            "score": float(r["score"]),
            "concept": r["concept_label"],
        }
        for r in result.table.to_dict("records")
    }
    return f"window.GPECT_SHORTLIST = {script_json(payload)};\n"


def render(result: Shortlist) -> str:
    return render_template(
        "shortlist.html.j2",
        **context(result),
        live=live(result),
        live_json=script_json(live(result)),
        live_js=live_js(),
    )


def write_page(result: Shortlist, site_dir: Path) -> Path:
    """Write `site_dir/shortlist.html` and the index's `assets/shortlist.js` atomically."""
    write_text(site_dir / "assets" / "shortlist.js", shortlist_js(result))
    return write_text(site_dir / "shortlist.html", render(result))
