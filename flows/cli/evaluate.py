"""`gpect evaluate`: the sector diagnostic's backtest (reliability, stability, forecast skill,
convergent validity) as a table, JSON and Markdown."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli.common import app, console, data_lock, fail, settings


@app.command()
def evaluate(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Print how far the sector diagnostic can be trusted and write data/out/evaluation/."""
    from flows.pipeline import outputs

    cfg = settings()
    with data_lock(cfg):
        try:
            made = outputs.write_evaluation(cfg)
        except outputs.OutputError as exc:
            raise fail("No evaluation", str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(made.records, ensure_ascii=False, indent=2))
        return
    table = Table(title="gpect evaluate")
    for column in ("family", "metric", "comparison", "value", "target", "status", "n"):
        table.add_column(column, justify="right" if column in ("value", "target", "n") else "left")
    for r in made.records:
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
    console.print(f"Written {' and '.join(escape(str(p)) for p in made.files)}")
