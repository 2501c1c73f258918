"""What every `gpect` command shares: the Typer app, the console, common options, JSON mode,
progress bars, the data directory's lock with its messages, and the checks made at the door.

Only Typer, rich and the settings are imported here: pandas, DuckDB, pyarrow and Prefect take
2-3 s to import, so each command imports what it uses, and `gpect --help` or a mistyped option
answers at once (tests/unit/test_cli_doors.py)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from flows.pipeline import lock

if TYPE_CHECKING:
    from flows.pipeline.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="gpect: territorial skills-gap diagnostics for French medium-sized towns. Interactive "
    "commands call the pipeline directly; the Prefect flows run the same functions for "
    "scheduled runs.",
)
# Markup ([red]…[/red]) is written only in gpect's own strings; text from the data, the files and
# the settings is passed through `escape` or as `Text`, so a header or a name holding "[/red]" is
# printed as it is instead of being interpreted (or crashing rich).
console = Console()


_loaded: list[Settings] = []


@app.callback()
def startup() -> None:
    """Every GPECT_* setting is read and checked once, before any command runs; commands get
    that object from `settings()` and pass it down (pydantic loads here, not for --help)."""
    from flows.pipeline import settings as settings_mod

    try:
        cfg = settings_mod.load()
    except settings_mod.SettingsError as exc:
        console.print(f"[red]Invalid settings[/red]: {escape(str(exc))}")
        raise typer.Exit(2) from exc
    _loaded[:] = [cfg]


def settings() -> Settings:
    """The settings read when this command started."""
    return _loaded[0]


MirrorOpt = Annotated[
    str | None,
    typer.Option(
        "--mirror",
        help="Read every source from this mirror (local directory or http(s) base URL) "
        "instead of the publishers' URLs. Env: GPECT_MIRROR.",
    ),
]
DatasetOpt = Annotated[
    list[str] | None, typer.Option("--dataset", "-d", help="Only these datasets (repeatable).")
]
VintageOpt = Annotated[
    list[str] | None, typer.Option("--vintage", "-v", help="Only these vintages (repeatable).")
]


JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one JSON document on stdout instead of tables and progress."
    ),
]


@contextmanager
def json_mode(on: bool) -> Iterator[None]:
    """With --json, the human output (messages, progress, errors) goes to stderr, so that stdout
    holds only the JSON document."""
    if not on:
        yield
        return
    console.file = sys.stderr
    try:
        yield
    finally:
        console.file = None  # back to whatever sys.stdout is when it next prints


def require_extra(module: str, extra: str, what: str) -> None:
    """Stop with the install command when an optional dependency of `what` is missing (the quick
    start installs only what `gpect run` needs)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        console.print(
            f"[red]{escape(what)} needs the {extra!r} extra[/red]: "
            + escape(f".venv/bin/pip install -e '.[{extra}]'")
        )
        raise typer.Exit(1)


def print_json(payload: dict) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def progress_bar(counted: bool = True) -> Progress:
    """A bar with done/total for counted work, a spinner and the elapsed time otherwise."""
    columns = [BarColumn(), MofNCompleteColumn()] if counted else []
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        *columns,
        TimeElapsedColumn(),
        console=console,
    )


@contextmanager
def data_lock(cfg: Settings) -> Iterator[lock.Held]:
    """The data directory's lock for a command, saying when it waits or takes over a dead run's
    lock (re-entrant: the pipeline functions it calls hold it again at no cost)."""

    def waiting(holder: lock.Holder | None) -> None:
        who = holder.describe() if holder else "another run"
        console.print(
            f"[yellow]Waiting[/yellow] up to {cfg.lock_timeout:g} s for {escape(who)} "
            f"to release {escape(str(cfg.data_dir))}…"
        )

    try:
        with lock.hold(
            cfg.data_dir,
            timeout=cfg.lock_timeout,
            command=" ".join(["gpect", *sys.argv[1:]]),
            on_wait=waiting,
        ) as held:
            if held.took_over:
                console.print(
                    f"[yellow]Took over[/yellow] the lock left by "
                    f"{escape(held.took_over.describe())}, which is no longer running."
                )
            if held.removed:
                console.print(
                    f"Removed {len(held.removed)} work files left by killed runs: "
                    + escape(", ".join(p.name for p in held.removed[:5]))
                )
            yield held
    except lock.LockBusy as exc:
        console.print(f"[red]Busy[/red]: {escape(str(exc))}")
        raise typer.Exit(3) from exc


CandidatesOpt = Annotated[
    str | None,
    typer.Option(
        "--candidates",
        help="File of the candidate towns replacing the default ACV towns: INSEE commune codes "
        "or names, one per line ('Name (département)' for homonyms; '#' comments).",
    ),
]


def check_selection(datasets: list[str] | None, vintages: list[str] | None) -> None:
    """Unknown `-d` datasets or `-v` vintages stop the command at the door (exit 2) with the
    closest names, before anything is locked or downloaded."""
    import difflib

    from connectors import registry

    catalog = registry.catalog()
    problems = []
    for name in datasets or ():
        if name not in catalog:
            close = difflib.get_close_matches(name, list(catalog), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"unknown dataset {name!r}{hint}")
    chosen = [catalog[d] for d in datasets or catalog if d in catalog]
    known = sorted({v for ds in chosen for v in ds.vintages})
    for name in vintages or ():
        if name not in known:
            problems.append(
                f"no selected dataset has a vintage {name!r} (known: {', '.join(known)})"
            )
    if problems:
        console.print(
            f"[red]Invalid option[/red]: {escape('; '.join(problems))}; "
            "`gpect sources` lists every dataset and vintage."
        )
        raise typer.Exit(2)


def read_candidates(path: str | None) -> list[str] | None:
    """The lines of a candidates file, checked at the door (UTF-8, grammar, duplicates); the
    build resolves them against the reference geography."""
    if not path:
        return None
    from connectors.shared import candidates as candidates_mod

    try:
        lines = candidates_mod.read_file(Path(path))
        candidates_mod.parse_lines(lines, source=f"candidates file {path}")
    except candidates_mod.CandidatesError as exc:
        console.print(f"[red]Candidates refused[/red]: {escape(str(exc))}")
        raise typer.Exit(2) from exc
    return lines


def fail(title: str, message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error (the pipeline's message, escaped) and return the exit to raise."""
    console.print(f"[red]{title}[/red]: {escape(message)}")
    return typer.Exit(code)
