"""The weekly deployment `diagnostic` runs `flows.pipeline.run.run`, the function `gpect run`
calls: against a local Prefect API it fetches, builds, then writes the reports, the jury
shortlist, the evaluation and the export, each as a named task, says so in its artifact, and
skips every step on a second run when nothing changed."""

from __future__ import annotations

import os
import shutil

import pytest
from helpers import artifacts_of, run_of

from flows.diagnostic_flow import diagnostic

pytestmark = [pytest.mark.realdata, pytest.mark.prefect]

TOWNS = ["58194", "02168", "2B033"]  # Nevers, Château-Thierry, Bastia (Haute-Corse)
STEPS = ["reports", "shortlist", "evaluation", "export"]


def test_the_weekly_run_delivers_what_gpect_run_delivers(
    prefect_harness, ingested, mirror_server, tmp_path, monkeypatch
):
    cfg, _ = ingested
    data_dir = tmp_path / "data"
    # Hard links: the run replaces files atomically (a new inode), so the session's copy stays.
    for part in ("raw", "parsed"):
        shutil.copytree(cfg.data_dir / part, data_dir / part, copy_function=os.link)
    monkeypatch.setenv("GPECT_DATA_DIR", str(data_dir))
    url, _ = mirror_server

    state = diagnostic(candidates=TOWNS, mirror=url, return_state=True)
    payload = state.result()
    assert payload["warehouse"]["rebuilt"] is True
    assert [(s["step"], s["written"]) for s in payload["outputs"]] == [(s, True) for s in STEPS]
    out = data_dir / "out"
    for path in (
        out / "site" / "index.html",
        out / "site" / "towns" / "58194.html",
        out / "site" / "towns" / "2B033.html",
        out / "site" / "shortlist.html",
        out / "shortlist" / "shortlist.xlsx",
        out / "evaluation" / "evaluation.json",
        out / "export" / "datapackage.json",
    ):
        assert path.is_file(), path
    run, tasks = run_of(state)
    assert run.name.startswith("diagnostic 20") and run.name.endswith(" ".join(TOWNS))
    assert tasks == sorted(["fetch", "build", *STEPS])
    text = artifacts_of(run.id)["gpect-diagnostic"].data
    assert "| warehouse | rebuilt in " in text and "| shortlist | written \\(" in text
    assert "- Jury workbook: [shortlist.xlsx](file://" in text

    again = diagnostic(candidates=TOWNS, mirror=url)
    assert again["warehouse"]["rebuilt"] is False
    assert [(s["step"], s["written"]) for s in again["outputs"]] == [(s, False) for s in STEPS]
    assert again["sources"]["downloaded"] == [] and again["sources"]["failed"] == []
