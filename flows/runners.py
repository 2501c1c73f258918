"""Where a flow's tasks run: threads in the flow's process (default) or a Dask cluster.

`GPECT_TASK_RUNNER=dask` sends the tasks a flow submits (per dataset vintage in `refresh`, per
town in `reports`) to Dask through Prefect's DaskTaskRunner, without code changes: to the
scheduler at `GPECT_DASK_ADDRESS`, or to a temporary local cluster of `GPECT_TASK_WORKERS`
workers. Workers must see the same data directory as the flow (a shared filesystem).

On one small machine threads are faster: Prefect adds ~250 ms per task inside Dask (see
`../shared/STACK.md`), so Dask pays off only on a real cluster.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flows.pipeline.settings import Settings

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

KINDS = ("thread", "dask")


def task_runner(
    kind: str,
    *,
    workers: int = 4,
    dask_address: str | None = None,
    cluster_kwargs: dict[str, Any] | None = None,
) -> TaskRunner:
    if kind == "thread":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={"n_workers": workers, **(cluster_kwargs or {})},
        )
    raise ValueError(f"GPECT_TASK_RUNNER={kind!r} is not one of {KINDS}")


def configured(settings: Settings) -> TaskRunner:
    """The task runner the settings ask for (flows are decorated with it when imported)."""
    return task_runner(
        settings.task_runner, workers=settings.task_workers, dask_address=settings.dask_address
    )


def quiet_weasyprint() -> None:
    """WeasyPrint logs a warning for every CSS property it ignores (the site's stylesheet is
    shared with browsers): ~2,760 lines per PDF in a worker's log. Only its errors are kept."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
