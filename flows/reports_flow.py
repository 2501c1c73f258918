"""Prefect flow `reports`: the report site with one task per town, for scheduled or deployed runs.

The tasks are thin wrappers over the functions `gpect report` calls (`flows/pipeline/outputs.py`:
`plan_reports`, `write_town_page`, `write_index`, `write_pdfs`). Pages run where the settings
say (`GPECT_TASK_RUNNER`, see flows/runners.py): threads by default, or Dask; each task opens the
warehouse itself and receives the flow's settings in its plan, so workers only need the same data
directory. PDFs share one headless Chromium, so they are printed one town after the
other in the flow's process, each as its own named task (`pdf-<INSEE>`), inside one browser
session. The run ends with the artifact `gpect-reports`: what was written, with links to the
site, the jury workbook and the evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows import runners
from flows.pipeline import outputs
from flows.pipeline import settings as settings_mod
from flows.pipeline.settings import Settings
from flows.runners import flow_lock, run_name

# A PDF takes seconds: one past this is hung. PDF tasks run in the flow's thread, where a timeout
# interrupts them; page tasks run in worker threads, where Prefect cannot (it would log a warning
# per town instead), so the flow's timeout bounds them.
PDF_TIMEOUT_SECONDS = 600
REPORTS_TIMEOUT_SECONDS = 6 * 3600


# Rendering writes files: a cached result would skip the write, so no task here is cached.
@task(task_run_name="report-{code}", cache_policy=NO_CACHE)
def town_page_task(code: str, plan: outputs.ReportPlan) -> Path:
    return outputs.write_town_page(plan, code)


@task(task_run_name="pdf-{code}", cache_policy=NO_CACHE, timeout_seconds=PDF_TIMEOUT_SECONDS)
def town_pdf_task(code: str, write: Callable[[], Path]) -> Path:
    return write()


def link(path: Path, cfg: Settings, site_relative: str | None = None) -> str:
    """A Markdown link to an output: under GPECT_SITE_URL for site pages when it is set (what a
    colleague can open), otherwise the file on the worker's machine."""
    if site_relative is not None and cfg.site_url:
        target = f"{cfg.site_url.rstrip('/')}/{site_relative}"
    else:
        target = path.resolve().as_uri()
    return f"[{path.name}]({target})"


def outputs_lines(cfg: Settings) -> list[str]:
    """Where the analyst opens the site, the workbook, the evaluation and the export."""
    out = outputs.out_dir(cfg)
    site_dir = out / "site"
    lines = [f"- Site: {link(site_dir / 'index.html', cfg, 'index.html')}"]
    for label, path, command in (
        ("Jury workbook", out / "shortlist" / "shortlist.xlsx", "gpect shortlist"),
        ("Shortlist page", site_dir / "shortlist.html", "gpect shortlist"),
        ("Evaluation", out / "evaluation" / "evaluation.md", "gpect evaluate"),
        ("Open data", out / "export" / "datapackage.json", "gpect export"),
    ):
        if path.is_file():
            relative = "shortlist.html" if path.parent == site_dir else None
            lines.append(f"- {label}: {link(path, cfg, relative)}")
        else:
            lines.append(f"- {label}: not written yet (`{command}`)")
    return lines


def outputs_markdown(cfg: Settings, codes: list[str], pdfs: int) -> str:
    """The run's artifact: what was written and where the analyst opens it."""
    lines = [
        "# gpect reports",
        "",
        f"{len(codes)} town pages" + (f" and {pdfs} PDFs" if pdfs else "") + " written.",
        "",
        *outputs_lines(cfg),
    ]
    if len(codes) <= 20:
        lines += ["", "Towns: " + ", ".join(codes)]
    return "\n".join(lines)


def render(cfg: Settings, towns: list[str] | None, pdf: bool) -> list[str]:
    """The site as per-town tasks, then the index and the PDFs (shared by `reports` and the
    `diagnostic` flow's reports step)."""
    plan = outputs.plan_reports(cfg, towns)
    futures = town_page_task.map(plan.codes, unmapped(plan))
    written = [str(f.result()) for f in futures]
    written.append(str(outputs.write_index(plan)))
    pdfs = []
    if pdf:
        pdfs = [
            str(p)
            for p in outputs.write_pdfs(plan, each=lambda write, code: town_pdf_task(code, write))
        ]
    get_run_logger().info(
        "%d town pages and the index written to %s", len(plan.codes), plan.layout.site_dir
    )
    create_markdown_artifact(
        outputs_markdown(cfg, plan.codes, len(pdfs)),
        key="gpect-reports",
        description="Pages written and where to open the site, the workbook and the evaluation",
    )
    return written + pdfs


@flow(
    name="reports",
    task_runner=runners.SettingsTaskRunner(),
    flow_run_name=run_name("reports"),
    timeout_seconds=REPORTS_TIMEOUT_SECONDS,
)
def reports(towns: list[str] | None = None, pdf: bool = False) -> list[str]:
    """Write the per-town diagnostic pages and the index; with `pdf`, their PDFs too.

    Returns the paths written.

    Args:
        towns: INSEE codes or names of candidate towns (accents and case ignored); empty:
            every candidate town of the warehouse.
        pdf: Also print each town's report to data/out/pdf/<INSEE>.pdf (a few seconds a town).
    """
    cfg = settings_mod.load()
    with flow_lock(cfg, "reports"):
        return render(cfg, towns, pdf)
