"""What an operator sees in the Prefect UI (a local Prefect API, session-scoped): Markdown and table
artifacts for each refresh, build and reports run, readable flow-run names, one named task per
town for pages and PDFs, parameter descriptions in the deployment schemas."""

from __future__ import annotations

import pytest
from helpers import artifacts_of, run_of

from flows.build_flow import build_warehouse
from flows.refresh_flow import refresh
from flows.reports_flow import reports

pytestmark = [pytest.mark.realdata, pytest.mark.prefect]


def test_refresh_run_has_a_readable_name_and_says_what_changed(
    prefect_harness, opendata, tmp_path, monkeypatch
):
    monkeypatch.setenv("GPECT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GPECT_MIRROR", raising=False)
    state = refresh(datasets=["postal_codes"], mirror=str(opendata), return_state=True)
    run, tasks = run_of(state)
    assert run.name.startswith("refresh 20") and run.name.endswith(" postal_codes")
    assert tasks == ["download-postal_codes-2025", "parse-postal_codes-2025"]
    found = artifacts_of(run.id)
    assert found["gpect-refresh"].type == "markdown"
    text = found["gpect-refresh"].data
    assert "**1** downloaded" in text and "`postal_codes` 2025: 44,356 rows" in text
    assert found["gpect-refresh-sources"].type == "table"
    assert "postal_codes" in found["gpect-refresh-sources"].data

    again = refresh(datasets=["postal_codes"], mirror=str(opendata), return_state=True)
    text = artifacts_of(again.state_details.flow_run_id)["gpect-refresh"].data
    assert "**1** unchanged" in text and "Nothing changed at the publishers" in text


def test_build_and_reports_runs_link_their_outputs(
    prefect_harness, ingested, warehouse, monkeypatch
):
    cfg, _ = ingested
    monkeypatch.setenv("GPECT_DATA_DIR", str(cfg.data_dir))
    monkeypatch.setenv("GPECT_SITE_URL", "https://gpect.example.org/site")
    # the session's warehouse was built without a freshness record: the first run rebuilds it
    built = build_warehouse(return_state=True)
    text = artifacts_of(built.state_details.flow_run_id)["gpect-build"].data
    assert text.startswith("# gpect build\n\nWarehouse rebuilt (")
    assert "| `mart_town__profile` | 246 |" in text
    built = build_warehouse(return_state=True)
    text = artifacts_of(built.state_details.flow_run_id)["gpect-build"].data
    assert f"Warehouse `{cfg.warehouse}` kept" in text

    state = reports(towns=["Nevers"], pdf=True, return_state=True)
    written = state.result()
    assert str(cfg.data_dir / "out" / "pdf" / "58194.pdf") in written
    run, tasks = run_of(state)
    assert run.name.startswith("reports 20") and run.name.endswith(" pdf Nevers")
    assert tasks == ["pdf-58194", "report-58194"]
    text = artifacts_of(run.id)["gpect-reports"].data
    assert "1 town pages and 1 PDFs written." in text
    assert "[index.html](https://gpect.example.org/site/index.html)" in text
    assert (
        "- Evaluation: not written yet (`gpect evaluate`)" in text
        or "evaluation.md](file://" in text
    )


def test_refresh_builds_in_its_own_task(
    prefect_harness, ingested, warehouse, mirror_server, monkeypatch
):
    """`refresh-on-demand` (build: true) runs the build as its `build` task rather than as a
    subflow, whose creation right after the vintages' tasks waited 7-17 s on a busy server."""
    cfg, _ = ingested
    url, _ = mirror_server
    monkeypatch.setenv("GPECT_DATA_DIR", str(cfg.data_dir))
    monkeypatch.delenv("GPECT_MIRROR", raising=False)
    state = refresh(datasets=["postal_codes"], build=True, mirror=url, return_state=True)
    run, tasks = run_of(state)
    assert tasks == ["build", "download-postal_codes-2025", "parse-postal_codes-2025"]
    text = artifacts_of(run.id)["gpect-build"].data
    assert text.startswith("# gpect build\n\nWarehouse ")
