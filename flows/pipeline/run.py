"""`run()`: the whole chain, the one function both `gpect run` and the Prefect deployment
`diagnostic` call, so that a scheduled run delivers exactly what the command delivers.

fetch (conditional GET) → build (when an input changed) → reports → shortlist → evaluation →
export, each output skipped when the warehouse, the settings and its rendering code are as they
were when it was last written (`flows/pipeline/freshness.py`). The data directory's lock is held
around the whole chain.

Doors see the chain through a `Listener` (progress bars in the CLI, log lines in Prefect) and
may run each step through `step_runner(name, function)` (Prefect makes each a named task).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from flows.pipeline import freshness, ingest, lock, outputs
from flows.pipeline.settings import Settings

T = TypeVar("T")
StepRunner = Callable[[str, Callable[[], T]], T]


class Listener:
    """What a door hears while the chain runs; every method does nothing by default."""

    def sources_started(self, total: int) -> None: ...

    def source_done(self, status: ingest.SourceStatus) -> None: ...

    def step_started(self, step: str) -> None: ...

    def step_done(self, step: str, outcome: StepOutcome) -> None: ...

    def item_done(self, step: str, item: str, total: int) -> None: ...


@dataclass
class StepOutcome:
    step: str
    written: bool
    reason: str  # why it was written, or why not
    path: Path

    @property
    def line(self) -> str:
        return f"written ({self.reason})" if self.written else f"unchanged ({self.reason})"


@dataclass
class RunResult:
    sources: list[ingest.SourceStatus]
    warehouse: freshness.WarehouseOutcome
    steps: list[StepOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[ingest.SourceStatus]:
        return [r for r in self.sources if r.status == "failed"]

    def source_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.sources:
            counts[r.status] = counts.get(r.status, 0) + 1
        return dict(sorted(counts.items()))

    def as_json(self, cfg: Settings) -> dict:
        w = self.warehouse
        return {
            "sources": {
                "counts": self.source_counts(),
                "downloaded": [
                    f"{r.dataset} {r.vintage}" for r in self.sources if r.status == "downloaded"
                ],
                "failed": [
                    {"dataset": r.dataset, "vintage": r.vintage, "message": r.message}
                    for r in self.failed
                ],
            },
            "warehouse": {
                "path": str(cfg.warehouse),
                "rebuilt": w.rebuilt,
                "reason": w.reason,
                "seconds": round(w.result.seconds, 2) if w.rebuilt else 0.0,
            },
            "outputs": [
                {"step": s.step, "written": s.written, "reason": s.reason, "path": str(s.path)}
                for s in self.steps
            ],
            "seconds": round(self.seconds, 2),
        }


def _direct(_name: str, function: Callable[[], T]) -> T:
    return function()


@dataclass(frozen=True)
class OutputStep:
    """An output of the chain: the file whose sidecar records its inputs, how it is written,
    and the options that change what it writes."""

    name: str
    marker: Path
    write: Callable[[], object]
    options: dict[str, str]


def output_steps(cfg: Settings, *, pdf: bool, listener: Listener) -> list[OutputStep]:
    out = outputs.out_dir(cfg)
    reports_ticks = {"n": 0}

    def page(code: str) -> None:
        reports_ticks["n"] += 1
        listener.item_done("reports", code, reports_ticks["n"])

    return [
        OutputStep(
            "reports",
            out / "site" / "index.html",
            lambda: outputs.write_reports(cfg, pdf=pdf, on_page=page, on_pdf=page),
            {"pdf": str(pdf)},
        ),
        OutputStep(
            "shortlist",
            out / "shortlist" / "shortlist.csv",
            lambda: outputs.write_shortlist(cfg),
            {},
        ),
        OutputStep(
            "evaluation",
            out / "evaluation" / "evaluation.json",
            lambda: outputs.write_evaluation(cfg),
            {},
        ),
        OutputStep(
            "export",
            out / "export" / "datapackage.json",
            lambda: outputs.write_export(cfg),
            {},
        ),
    ]


# What renders the outputs: a change of the presentation layer or of the output functions
# rewrites them.
OUTPUT_CODE = (outputs.REPORTS_DIR, Path(outputs.__file__))


def run_output(cfg: Settings, step: OutputStep, force: bool) -> StepOutcome:
    inputs = freshness.output_inputs(cfg, OUTPUT_CODE) | step.options
    reason = "forced" if force else freshness.stale_reason(step.marker, inputs)
    if reason is None:
        return StepOutcome(step.name, False, "warehouse and code as before", step.marker.parent)
    step.write()
    freshness.record(step.marker, inputs)
    return StepOutcome(step.name, True, reason, step.marker.parent)


def run(
    cfg: Settings,
    *,
    candidates: list[str] | None = None,
    force: bool = False,
    pdf: bool = False,
    listener: Listener | None = None,
    step_runner: StepRunner = _direct,
    command: str = "gpect run",
) -> RunResult:
    """Fetch, build, then write every output that is stale; returns what each step did.

    A source that fails to download leaves its previous files in place and the chain goes on
    with what was ingested before (the result lists it in `failed`); a build that fails raises
    `errors.BuildError` and leaves the previous warehouse and outputs published.
    """
    listener = listener or Listener()
    started = time.perf_counter()
    with lock.hold(cfg.data_dir, timeout=cfg.lock_timeout, command=command):
        listener.sources_started(len(ingest.select(None, None)))
        listener.step_started("sources")
        sources = step_runner(
            "fetch", lambda: ingest.ingest(cfg, force=force, on_done=listener.source_done)
        )
        listener.step_started("warehouse")
        warehouse = step_runner(
            "build", lambda: freshness.build_if_stale(cfg, candidates, force=force)
        )
        result = RunResult(sources, warehouse)
        for step in output_steps(cfg, pdf=pdf, listener=listener):
            listener.step_started(step.name)
            outcome = step_runner(step.name, lambda step=step: run_output(cfg, step, force))
            listener.step_done(step.name, outcome)
            result.steps.append(outcome)
    result.seconds = time.perf_counter() - started
    return result
