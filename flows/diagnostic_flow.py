"""Prefect flow `diagnostic`: the whole chain of `gpect run` (fetch → build → reports →
shortlist → evaluation → export, each skipped when unchanged), for the weekly deployment.

It calls `flows.pipeline.run.run`, the function `gpect run` calls, with each step as a named
Prefect task, so a scheduled run delivers exactly what the command delivers. It ends with the
artifact `gpect-diagnostic`: what each step did and where the outputs are.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.pipeline import ingest
from flows.pipeline import run as run_mod
from flows.pipeline import settings as settings_mod
from flows.pipeline.settings import Settings
from flows.reports_flow import outputs_lines
from flows.runners import as_task, flow_lock, md_text, run_name

# A national refresh downloads a few hundred MB and builds in minutes; past this it is hung.
DIAGNOSTIC_TIMEOUT_SECONDS = 6 * 3600


class LogListener(run_mod.Listener):
    def __init__(self) -> None:
        self.logger = get_run_logger()

    def source_done(self, status: ingest.SourceStatus) -> None:
        if status.status == "failed":
            self.logger.warning("%s %s failed: %s", status.dataset, status.vintage, status.message)
        elif status.status == "downloaded":
            self.logger.info(
                "%s %s downloaded (%s rows)", status.dataset, status.vintage, status.rows
            )

    def step_done(self, step: str, outcome: run_mod.StepOutcome) -> None:
        self.logger.info("%s: %s", step, outcome.line)


def summary_markdown(cfg: Settings, result: run_mod.RunResult) -> str:
    """What each step did, then where the analyst opens the outputs."""
    w = result.warehouse
    built = f"rebuilt in {w.result.seconds:.1f} s" if w.rebuilt else "unchanged"
    counts = ", ".join(f"{n} {s}" for s, n in result.source_counts().items())
    lines = [
        "# gpect diagnostic",
        "",
        "| step | outcome |",
        "|---|---|",
        f"| sources | {counts} |",
        f"| warehouse | {built} ({md_text(w.reason)}) |",
        *(f"| {s.step} | {md_text(s.line)} |" for s in result.steps),
        "",
        f"Total {result.seconds:.1f} s.",
        "",
        *outputs_lines(cfg),
    ]
    if result.failed:
        lines += ["", "## Failed sources (previous files kept)", ""]
        lines += [f"- `{r.dataset}` {r.vintage}: {md_text(r.message)}" for r in result.failed]
    return "\n".join(lines)


@flow(
    name="diagnostic",
    flow_run_name=run_name("diagnostic"),
    timeout_seconds=DIAGNOSTIC_TIMEOUT_SECONDS,
)
def diagnostic(
    candidates: list[str] | None = None,
    force: bool = False,
    pdf: bool = False,
    mirror: str | None = None,
) -> dict:
    """Fetch every source, rebuild the warehouse if an input changed, then rewrite the reports,
    the jury shortlist, the evaluation and the open-data export when they are stale.

    Returns what `gpect run --json` prints.

    Args:
        candidates: Candidate towns (INSEE codes or names, 'Name (département)' for homonyms)
            replacing the default Action Cœur de Ville towns; empty: the default list.
        force: Download, build and write every output again even when nothing changed.
        pdf: Also print every town's PDF (a few seconds a town).
        mirror: Read the sources from this mirror (a directory or an http(s) base URL) instead
            of the publishers; overrides GPECT_MIRROR for this run.
    """
    problem = settings_mod.mirror_problem(mirror, "mirror")
    if problem:
        raise ValueError(problem)
    cfg = settings_mod.load().with_overrides(mirror=mirror)
    with flow_lock(cfg, "diagnostic"):
        result = run_mod.run(
            cfg,
            candidates=candidates or None,
            force=force,
            pdf=pdf,
            listener=LogListener(),
            step_runner=as_task,
            command="prefect flow diagnostic",
        )
    create_markdown_artifact(
        summary_markdown(cfg, result),
        key="gpect-diagnostic",
        description="What each step of the diagnostic did and where its outputs are",
    )
    if result.failed:
        raise RuntimeError(
            f"{len(result.failed)} dataset vintages failed (the outputs were made from the files "
            "ingested before): " + "; ".join(r.message for r in result.failed)
        )
    return result.as_json(cfg)
