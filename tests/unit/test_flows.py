"""The Prefect flows' own rules, without a Prefect API: which task retries, which task runner the
setting chooses, and a failed step that survives the trip back from a Dask worker."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys

import pytest

from connectors.errors import ParseError
from flows import runners
from flows.refresh_flow import StepFailed, download_task, parse_task


def test_only_the_network_task_retries():
    assert download_task.retries == 2
    assert parse_task.retries == 0


# a fresh interpreter per setting (the flows read it when decorated): ~4 s of imports each
@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "runner"), [("dask", "DaskTaskRunner"), (None, "ThreadPoolTaskRunner")]
)
def test_the_setting_chooses_the_runner_the_flows_are_decorated_with(setting, runner):
    env = {k: v for k, v in os.environ.items() if k != "GPECT_TASK_RUNNER"}
    if setting:
        env["GPECT_TASK_RUNNER"] = setting
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from flows.refresh_flow import refresh; print(type(refresh.task_runner).__name__)",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert probe.stdout.strip() == runner


def test_an_unknown_runner_is_refused_with_the_choices():
    with pytest.raises(
        ValueError, match=r"GPECT_TASK_RUNNER='spark' is not one of \('thread', 'dask'\)"
    ):
        runners.task_runner("spark")


def plain_pickle(obj) -> bytes:
    """Pickle without the reducers other libraries add to copyreg: once the Dask tests have
    imported distributed, tblib's exception reducers would hide what plain pickling does."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out)
    pickler.dispatch_table = {}
    pickler.dump(obj)
    return out.getvalue()


def test_a_failed_step_crosses_process_boundaries():
    """Dask pickles a task's exception back to the flow; SourceError itself cannot be rebuilt."""
    error = ParseError("bmo", "2024", "missing columns ['Code bassin']", where="bmo.xlsx")
    with pytest.raises(TypeError):
        pickle.loads(plain_pickle(error))
    back = pickle.loads(plain_pickle(StepFailed.of(error)))
    assert (back.dataset, back.vintage, back.where) == ("bmo", "2024", "bmo.xlsx")
    assert str(back) == str(error)
