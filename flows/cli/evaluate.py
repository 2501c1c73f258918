"""`gpect evaluate`: the sector diagnostic's backtest (reliability, stability, forecast skill,
convergent validity) as a table, JSON and Markdown."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from flows.cli.common import app, console, data_lock
from flows.pipeline import settings as settings_mod


@app.command()
def evaluate(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Print how far the sector diagnostic can be trusted and write data/out/evaluation/."""
    from reports import evaluation as evaluation_mod

    cfg = settings_mod.load()
    try:
        frame = evaluation_mod.load(cfg.warehouse)
    except evaluation_mod.EvaluationError as exc:
        console.print(str(exc), markup=False, style="red")
        raise typer.Exit(1) from exc
    with data_lock(cfg):
        json_path, md_path = evaluation_mod.write(frame, cfg.data_dir / "out" / "evaluation")
    if as_json:
        typer.echo(json.dumps(evaluation_mod.records(frame), ensure_ascii=False, indent=2))
        return
    table = Table(title="gpect evaluate")
    for column in ("family", "metric", "comparison", "value", "target", "status", "n"):
        table.add_column(column, justify="right" if column in ("value", "target", "n") else "left")
    for r in evaluation_mod.records(frame):
        table.add_row(
            r["family"],
            r["metric"],
            r["comparison"],
            "n/a" if r["value"] is None else f"{r['value']:.3f}",
            "" if r["target"] is None else f"{r['target']:.2f}",
            r["status"] or "",
            str(r["count"]),
        )
    console.print(table)
    console.print(f"Written {json_path} and {md_path}", markup=False)
