"""The Prefect `refresh` flow runs the same steps as `gpect fetch`, retrying only downloads."""

from __future__ import annotations

import pytest

from flows.refresh_flow import refresh, summary_table

pytestmark = [pytest.mark.realdata, pytest.mark.prefect]


def test_refresh_flow_ingests_and_summarises(prefect_harness, opendata, tmp_path, monkeypatch):
    monkeypatch.setenv("GPECT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GPECT_MIRROR", raising=False)
    results = refresh(datasets=["bmo"], mirror=str(opendata))
    by_vintage = {r.vintage: r for r in results}
    assert by_vintage["2024"].status == "downloaded" and by_vintage["2024"].rows == 53_443
    assert by_vintage["2025"].status == "downloaded" and by_vintage["2025"].rows == 50_076
    text = summary_table(results)
    assert "bmo" in text and "53,443" in text and "Base_open_data_BMO_2024.xlsx" in text
    again = refresh(datasets=["bmo"], vintages=["2024"], mirror=str(opendata))
    assert again[0].status == "unchanged"
