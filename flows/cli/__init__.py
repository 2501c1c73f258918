"""The `gpect` command line (Typer): one module per group of commands, all registered on `app`.

Only Typer, rich and the settings load here; each command imports the pipeline it calls."""

from flows.cli import evaluate, reports, run, shortlist, sources, warehouse  # noqa: F401
from flows.cli.common import app

__all__ = ["app"]
