"""The Prefect flows' own rules, without a Prefect API: which task retries, an unknown task runner
refused, and a failed step that survives the trip back from a Dask worker."""

from __future__ import annotations

import io
import pickle

import pytest

from connectors.errors import ParseError
from flows import runners
from flows.refresh_flow import StepFailed, download_task, parse_task


def test_only_the_network_task_retries():
    assert download_task.retries == 2
    assert parse_task.retries == 0


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
