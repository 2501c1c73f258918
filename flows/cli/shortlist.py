"""`gpect shortlist`: the jury's ranked shortlist of candidate towns (workbook, CSV, site page)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from flows.cli.common import JsonOpt, app, console, data_lock, fail, json_mode, print_json, settings

if TYPE_CHECKING:
    from reports import shortlist as shortlist_mod


@app.command()
def shortlist(
    candidates: Annotated[
        Path | None,
        typer.Option(
            "--candidates",
            help="File of the applicant towns, INSEE codes or names, one per line "
            "('Name (département)' for homonyms). Default: every candidate town of the warehouse.",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option(min=1, help="Towns shown here and counted in 'top N' shares.")
    ] = 15,
    select: Annotated[
        int | None,
        typer.Option(min=1, help="Also choose this many towns that together cover the most need."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Monte Carlo seed (default GPECT_SHORTLIST_SEED).")
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(min=1, help="Monte Carlo draws (default GPECT_SHORTLIST_DRAWS)."),
    ] = None,
    bundle: Annotated[
        bool,
        typer.Option(
            "--zip",
            help="Also write data/out/gpect_shortlist.zip: the workbook and the report site "
            "together, so that the workbook's links work wherever it is unpacked.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Rank the candidate towns on documented weighted criteria, with rank intervals over the
    weights and normalisation, a recommended concept per town, and optionally a set of towns."""
    with json_mode(as_json):
        payload = _shortlist(candidates, top, select, seed, draws, bundle)
    if as_json:
        print_json(payload)


def _shortlist(candidates, top, select, seed, draws, bundle) -> dict:
    from flows.pipeline import outputs

    cfg = settings()
    status = console.status("Reading the warehouse…")
    with data_lock(cfg), status:
        try:
            made = outputs.write_shortlist(
                cfg,
                candidates_file=candidates,
                top=top,
                select=select,
                seed=seed,
                draws=draws,
                bundle=bundle,
                on_status=status.update,
            )
        except outputs.OutputError as exc:
            raise fail("Shortlist failed", str(exc)) from exc
    result = made.shortlist
    for warning in made.warnings:
        console.print(f"[yellow]Note[/yellow]: {escape(warning)}")
    _print_top(result, top)
    if result.selected is not None:
        picks = ", ".join(f"{r.town_label} ({r.rank})" for r in result.selected.itertuples())
        console.print(Text(f"Sélection de {len(result.selected)} villes : {picks}"))
        for r in result.skipped.itertuples():
            console.print(
                Text(
                    f"  écartée : {r.town_label} (rang {r.rank}), zone couverte à "
                    f"{100 * r.covered_share:.0f} % par {r.covered_by}"
                )
            )
    for path in made.files:
        console.print(Text(f"  {path}"))
    console.print(
        f"{len(result.table)} towns ranked, {result.monte_carlo.draws} draws, "
        f"in {made.seconds:.1f} s"
    )
    columns = [
        "rank",
        "town_code",
        "town_label",
        "score",
        "median_rank",
        "rank_low",
        "rank_high",
        "top_share",
        "concept",
        "selection_step",
    ]
    table = result.table[[c for c in columns if c in result.table.columns]]
    return {
        "towns": [
            {k: (None if v is None or v != v else v) for k, v in row.items()}
            for row in table.astype(object).to_dict("records")
        ],
        "selected": None if result.selected is None else result.selected["town_code"].tolist(),
        "draws": result.monte_carlo.draws,
        "files": [str(p) for p in made.files],
        "seconds": round(made.seconds, 2),
    }


def _print_top(result: shortlist_mod.Shortlist, top: int) -> None:
    table = Table(title=f"Top {top} of {len(result.table)} candidate towns")
    for col in ("rank", "town", "score", "median rank (90 %)", f"in top {top}", "concept"):
        table.add_column(col, justify="left" if col in ("town", "concept") else "right")
    for r in result.table.head(top).itertuples():
        table.add_row(
            str(r.rank),
            Text(f"{r.town_label} ({r.town_code})"),
            f"{r.score:.1f}",
            f"{r.median_rank} ({r.rank_low}–{r.rank_high})",
            f"{100 * r.top_share:.0f} %",
            Text(r.concept_label),
        )
    console.print(table)
