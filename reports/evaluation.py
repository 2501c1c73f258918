"""The diagnostic's own backtest, as files an operator can keep and quote: the figures of
`mart_diagnostic__evaluation` (computed by the build) written as JSON and Markdown under
`data/out/evaluation/`, each against its target where the project set one."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pandas as pd

from reports.site import write_atomic

QUERY = """
select family, metric, comparison, value, target, count
from mart_diagnostic__evaluation
order by family, comparison, metric
"""
# What each family measures, in the words of the Markdown report.
FAMILIES = {
    "split_half": (
        "Split-half reliability",
        "the ranking built from each single BMO wave against the ranking built from another "
        "wave: how much of a ranking is signal rather than the noise of one survey wave",
    ),
    "refresh_stability": (
        "Refresh stability",
        "the ranking published with the waves up to year t against the one published a year "
        "later: what an operator re-running the diagnostic each spring sees change",
    ),
    "forecast_skill": (
        "Forecast skill",
        "the pooled, shrunk location quotients built on the waves before year t+1 against the "
        "quotients wave t+1 observed, town × sector; skill = 1 − MSE / MSE of a reference "
        "forecast (persistence of the last wave; the national share, LQ = 1); > 0 beats it",
    ),
    "specificity": (
        "Specificity",
        "whether the recommendations say something particular to each town: how often the first "
        "recommendation is merely the town's largest deliverable market, how many recommended "
        "sectors are more specialised than France (shrunk LQ > 1), and the largest share of "
        "towns one sector leads",
    ),
    "convergent_validity": (
        "Convergent validity",
        "bassin × sector difficulty rate (pooled, shrunk) against the official Dares tension "
        "class of the same bassin and sector (Spearman)",
    ),
}
FAMILY_ORDER = list(FAMILIES)


class EvaluationError(RuntimeError):
    """No evaluation to report; the message says what to run."""


def load(warehouse: Path) -> pd.DataFrame:
    if not warehouse.exists():
        raise EvaluationError(f"no warehouse at {warehouse}: run `gpect build` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        try:
            frame = con.execute(QUERY).df()
        except duckdb.CatalogException as exc:
            raise EvaluationError(
                f"the warehouse {warehouse} has no mart_diagnostic__evaluation: it was built by "
                "an older gpect; run `gpect build --force`"
            ) from exc
    finally:
        con.close()
    frame["family"] = pd.Categorical(frame["family"], FAMILY_ORDER, ordered=True)
    return frame.sort_values(["family", "comparison", "metric"]).reset_index(drop=True)


def _number(value) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.3f}"
    )


def status(value, target) -> str:
    """'met' / 'missed' against a target (a floor), '' where there is none."""
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return ""
    return "met" if value >= target else "missed"


def markdown(frame: pd.DataFrame) -> str:
    lines = ["# gpect — how far the sector diagnostic can be trusted", ""]
    for family, rows in frame.groupby("family", observed=True, sort=True):
        title, what = FAMILIES[family]
        lines += [
            f"## {title}",
            "",
            f"{what[0].upper()}{what[1:]}.",
            "",
            "| metric | comparison | value | target | status | n |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows.itertuples():
            lines.append(
                f"| {r.metric} | {r.comparison} | {_number(r.value)} | {_number(r.target)} "
                f"| {status(r.value, r.target)} | {int(r.count)} |"
            )
        lines.append("")
    return "\n".join(lines)


def records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for r in frame.itertuples():
        target = None if pd.isna(r.target) else float(r.target)
        value = None if pd.isna(r.value) else float(r.value)
        out.append(
            {
                "family": str(r.family),
                "metric": r.metric,
                "comparison": r.comparison,
                "value": value,
                "target": target,
                "status": status(value, target) or None,
                "count": int(r.count),
            }
        )
    return out


def write(frame: pd.DataFrame, out_dir: Path) -> tuple[Path, Path]:
    """`evaluation.json` and `evaluation.md` in `out_dir`, written atomically."""
    json_path, md_path = out_dir / "evaluation.json", out_dir / "evaluation.md"
    write_atomic(json_path, json.dumps(records(frame), ensure_ascii=False, indent=2) + "\n")
    write_atomic(md_path, markdown(frame) + "\n")
    return json_path, md_path
