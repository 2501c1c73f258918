"""`gpect shortlist`: the jury's ranked shortlist of candidate towns (workbook, CSV, site page)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from flows.cli.common import JsonOpt, app, console, json_mode, print_json
from flows.pipeline import settings as settings_mod

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
    from connectors.shared import candidates as candidates_mod
    from reports import shortlist as shortlist_mod

    start = time.perf_counter()
    cfg = settings_mod.load()
    status = console.status("Reading the warehouse…")
    status.start()
    try:
        params = shortlist_mod.parameters(cfg.shortlist)
        inputs = shortlist_mod.load_inputs(cfg.warehouse)
        chosen = None
        if candidates is not None:
            try:
                lines = candidates_mod.read_file(candidates)
            except candidates_mod.CandidatesError as exc:
                raise shortlist_mod.ShortlistError(str(exc)) from exc
            chosen = shortlist_mod.resolve_candidates(lines, inputs.profile)
        status.update(
            f"Ranking {len(chosen or inputs.profile)} towns over "
            f"{draws or int(params['draws']):,} Monte Carlo draws…"
        )
        result = shortlist_mod.make_shortlist(
            inputs, params, candidates=chosen, top=top, select=select, draws=draws, seed=seed
        )
    except shortlist_mod.ShortlistError as exc:
        status.stop()
        console.print(f"[red]Shortlist failed[/red]: {escape(str(exc))}")
        raise typer.Exit(1) from exc
    status.update("Writing the workbook, the CSV files and the page…")

    from reports.shortlist.page import write_page
    from reports.shortlist.workbook import write_bundle, write_workbook

    out = cfg.data_dir / "out"
    written = [
        write_workbook(result, out / "shortlist" / "shortlist.xlsx", cfg.site_url),
        shortlist_mod.write_csv(result, out / "shortlist" / "shortlist.csv"),
        shortlist_mod.write_csv_fr(result, out / "shortlist" / "shortlist_excel_fr.csv"),
        write_page(result, out / "site"),
    ]
    status.stop()
    if bundle:
        if not (out / "site" / "towns").is_dir():
            console.print(
                "[yellow]No town pages yet[/yellow]: the zip carries the workbook and the "
                "shortlist page only; run `gpect report --all` first for working links."
            )
        with console.status("Zipping the workbook and the site…"):
            written.append(write_bundle(out, out / "gpect_shortlist.zip"))
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
    for path in written:
        console.print(Text(f"  {path}"))
    console.print(
        f"{len(result.table)} towns ranked, {result.monte_carlo.draws} draws, "
        f"in {time.perf_counter() - start:.1f} s"
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
        "files": [str(p) for p in written],
        "seconds": round(time.perf_counter() - start, 2),
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
