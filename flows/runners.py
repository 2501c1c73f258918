"""What gpect's Prefect flows share: where their tasks run, a step run as a task, readable run
names, the data directory's lock with its log lines, and text made inert for Markdown artifacts.

Tasks run as threads in the flow's process (default) or on Dask: `GPECT_TASK_RUNNER=dask` sends
the tasks a flow submits (per dataset vintage in `refresh`, per town in `reports`) to Dask through
Prefect's DaskTaskRunner, without code changes: to the scheduler at `GPECT_DASK_ADDRESS`, or to a
temporary local cluster of `GPECT_TASK_WORKERS` workers. Tasks receive the flow's settings as an
argument, so a worker whose environment differs still writes where the flow says; workers must
see the same data directory (a shared filesystem). On one small machine threads are faster:
Prefect adds ~250 ms per task inside Dask (see `../shared/STACK.md`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner

from flows.pipeline import lock
from flows.pipeline import settings as settings_mod
from flows.pipeline.settings import Settings

KINDS = ("thread", "dask")
T = TypeVar("T")


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
    """The task runner the settings ask for."""
    return task_runner(
        settings.task_runner, workers=settings.task_workers, dask_address=settings.dask_address
    )


class SettingsTaskRunner(TaskRunner):
    """The runner the settings ask for, chosen when a flow run starts rather than when its module
    is imported (a worker imports the flow once, and settings may differ per run)."""

    def __init__(self) -> None:
        super().__init__()
        self._inner: TaskRunner | None = None

    def duplicate(self) -> SettingsTaskRunner:
        return type(self)()

    def __enter__(self) -> SettingsTaskRunner:
        super().__enter__()
        self._inner = configured(settings_mod.load()).__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._inner is not None:
                self._inner.__exit__(*exc)
        finally:
            self._inner = None
            super().__exit__(*exc)

    def submit(self, task, parameters, wait_for: Iterable | None = None, dependencies=None):
        return self._inner.submit(task, parameters, wait_for, dependencies)

    def map(self, task, parameters, wait_for: Iterable | None = None):
        return self._inner.map(task, parameters, wait_for)


def as_task(name: str, function: Callable[[], T]) -> T:
    """Run one step as its own Prefect task in the flow's thread (steps write files: never
    cached). Unlike a subflow, a task run is recorded from the run's events: starting one makes
    no synchronous API call, which a busy server on SQLite answers 503 and the client retries
    after 2, 4 then 8 s."""
    return task(function, name=name, task_run_name=name, cache_policy=NO_CACHE)()


def run_name(flow_name: str) -> Callable[[], str]:
    """A readable flow-run name: the flow, the local start time and what the parameters change
    ("refresh 2026-12-01 05:00 build", "reports 2026-12-01 14:12 pdf 3 towns") instead of
    Prefect's random adjectives."""

    def name() -> str:
        from prefect.runtime import flow_run

        params = flow_run.parameters or {}
        parts = [flow_name, datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")]
        parts += [key for key in ("force", "build", "pdf") if params.get(key) is True]
        for key in ("datasets", "towns", "candidates"):
            if params.get(key):
                items = params[key]
                parts.append(f"{len(items)} {key}" if len(items) > 3 else " ".join(items))
        return " ".join(parts)

    return name


@contextmanager
def flow_lock(cfg: Settings, flow_name: str) -> Iterator[lock.Held]:
    """The data directory's lock for a flow run, with what happened in the run's log (a busy
    directory past GPECT_LOCK_TIMEOUT fails the run with the holder's pid and start time)."""
    logger = get_run_logger()
    with lock.hold(
        cfg.data_dir,
        timeout=cfg.lock_timeout,
        command=f"prefect flow {flow_name}",
        on_wait=lambda h: logger.info("waiting for %s", h.describe() if h else "another run"),
    ) as held:
        if held.took_over:
            logger.warning("took over the lock of a dead run: %s", held.took_over.describe())
        if held.removed:
            names = ", ".join(p.name for p in held.removed)
            logger.info("removed %d work files left by killed runs: %s", len(held.removed), names)
        yield held


def md_text(text: str | None) -> str:
    """Text from a publisher or an error, inert in Markdown (no link, emphasis or HTML)."""
    return "".join("\\" + c if c in "\\`*_{}[]()<>#+-!|~" else c for c in text or "")
