"""Scale-out: GPECT_TASK_RUNNER=dask sends the flows' tasks to a Dask cluster, without code changes.

The cluster here is a LocalCluster of two in-process workers (processes=False keeps it light).
"""

from __future__ import annotations

import pytest
from prefect import flow, task

from flows import runners
from flows.refresh_flow import refresh

pytestmark = pytest.mark.prefect


def two_workers():
    return runners.task_runner("dask", workers=2, cluster_kwargs={"processes": False})


@task
def worker_address(i: int) -> str:
    from distributed import get_worker

    return get_worker().address  # raises ValueError outside a Dask worker


@flow
def spread(n: int) -> list[str]:
    return [f.result() for f in worker_address.map(range(n))]


def test_the_runner_is_the_one_the_settings_name_when_a_run_starts(prefect_harness, monkeypatch):
    """Flows are decorated with `SettingsTaskRunner`, which reads GPECT_TASK_RUNNER when a run
    starts: the same imported flow runs on threads, then on Dask, as the settings change."""
    real = runners.task_runner
    monkeypatch.setattr(
        runners,
        "task_runner",
        lambda kind, **kw: real(kind, **kw, cluster_kwargs={"processes": False}),
    )
    on_settings = spread.with_options(task_runner=runners.SettingsTaskRunner())
    monkeypatch.setenv("GPECT_TASK_RUNNER", "thread")
    with pytest.raises(ValueError, match="No worker found"):
        on_settings(2)
    monkeypatch.setenv("GPECT_TASK_RUNNER", "dask")
    monkeypatch.setenv("GPECT_TASK_WORKERS", "2")
    addresses = on_settings(4)
    assert len(addresses) == 4 and all(a.startswith("inproc://") for a in addresses)
    assert isinstance(refresh.task_runner, runners.SettingsTaskRunner)


def test_tasks_run_on_the_dask_workers(prefect_harness):
    addresses = spread.with_options(task_runner=two_workers())(6)
    assert len(addresses) == 6 and all(a.startswith("inproc://") for a in addresses)


@pytest.mark.realdata
def test_refresh_flow_on_a_local_dask_cluster(prefect_harness, opendata, tmp_path, monkeypatch):
    monkeypatch.setenv("GPECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GPECT_MIRROR", str(opendata))
    on_dask = refresh.with_options(task_runner=two_workers())
    results = on_dask(datasets=["fap2009", "fap2021", "academies"])
    got = {(r.dataset, r.status, r.rows) for r in results}
    assert got == {
        ("fap2009", "downloaded", 225),
        ("fap2021", "downloaded", 341),
        ("academies", "downloaded", 122),
    }
    assert (tmp_path / "parsed" / "fap2021" / "2021" / "table.parquet").is_file()
    again = on_dask(datasets=["fap2009", "fap2021", "academies"])
    assert {r.status for r in again} == {"unchanged"}


@pytest.mark.realdata
def test_a_failing_vintage_on_dask_fails_the_run_by_name_and_nothing_else(
    prefect_harness, opendata, tmp_path, monkeypatch
):
    # fap2021 pointed at the FAP 2009 file: a layout its column map refuses.
    mirror_map = tmp_path / "mirror.csv"
    mirror_map.write_text(
        "dataset,vintage,path\n"
        "fap2021,2021,odis/Intitules_FAP2009.csv\n"
        "fap2009,2009,odis/Intitules_FAP2009.csv\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GPECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GPECT_MIRROR", str(opendata))
    monkeypatch.setenv("GPECT_MIRROR_MAP", str(mirror_map))
    with pytest.raises(
        RuntimeError, match=r"1 dataset vintages failed: \[fap2021 2021\] .*missing"
    ):
        refresh.with_options(task_runner=two_workers())(datasets=["fap2021", "fap2009"])
    assert (tmp_path / "data" / "parsed" / "fap2009" / "2009" / "table.parquet").is_file()
    assert not (tmp_path / "data" / "parsed" / "fap2021").exists()
