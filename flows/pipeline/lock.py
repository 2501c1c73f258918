"""One writer at a time in a data directory: a lock file `<data>/.gpect.lock`.

Every command that writes the data directory (fetch, build, run, the `refresh` and `build` flows)
holds the lock. It is an advisory `flock` on the file, which the kernel releases when the holder
exits however it exits (even `kill -9`), so a lock left by a dead process is taken over without
any guessing; the file's content (pid, host, command, start time) names the holder for the
message a second run prints while it waits, or when it gives up after the timeout.

Taking the lock also removes the work files that killed runs left behind (a half-built warehouse,
partial downloads, temporary JSON and Parquet): their names carry the writer's pid (see
`flows/pipeline/build.py`, `connectors/http.py`, `connectors/rawstore.py`,
`connectors/parse.py`), and only files of pids that are no longer running are removed.

`flock` is per host: a data directory shared between machines over NFS needs a lock of the
cluster's own (the lock still works between processes of one machine).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

LOCK_NAME = ".gpect.lock"
POLL_SECONDS = 0.2

# Temporary names used by the writers, each carrying the writer's pid (group "pid").
_WORK_FILE = re.compile(
    r"^(?:\..+\.(?P<pid>\d+)\.(?:building\.duckdb(?:\.wal)?|tmp)"
    r"|(?:download|copy)-(?P<pid2>\d+)-.*\.part)$"
)


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    command: str
    started_at: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} (`{self.command}`, started {self.started_at})"


class LockBusy(RuntimeError):
    """Another run holds the data directory and did not finish within the timeout."""

    def __init__(self, path: Path, holder: Holder | None, waited: float):
        who = holder.describe() if holder else "another process (its details are not written yet)"
        super().__init__(
            f"{path.parent} is in use by {who}; gave up after waiting {waited:.0f} s. "
            "Let that run finish and try again, or stop it"
            + (f" (kill {holder.pid})" if holder else "")
            + "; GPECT_LOCK_TIMEOUT sets how long to wait."
        )
        self.holder = holder


@dataclass(frozen=True)
class Held:
    """The lock as held by this process: `took_over` names a dead holder it replaced and
    `removed` the work files of killed runs it deleted (both empty for a nested hold)."""

    path: Path
    holder: Holder
    took_over: Holder | None
    removed: list[Path]


_held: dict[Path, Held] = {}  # locks this process holds, by lock file
_guard = threading.Lock()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def read_holder(path: Path) -> Holder | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return _parse(text)


def _parse(text: str) -> Holder | None:
    # An empty file is a released lock; a partial one is a holder still writing its details.
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return Holder(int(data["pid"]), data["host"], data["command"], data["started_at"])


def remove_orphans(data_dir: Path) -> list[Path]:
    """Remove work files of writers that are no longer running; returns what was removed."""
    removed = []
    if not data_dir.is_dir():
        return removed
    for path in data_dir.rglob("*"):
        match = _WORK_FILE.match(path.name)
        if not match or not path.is_file():
            continue
        pid = int(match.group("pid") or match.group("pid2"))
        if pid != os.getpid() and not pid_alive(pid):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def hold(
    data_dir: Path,
    *,
    timeout: float,
    command: str | None = None,
    on_wait: Callable[[Holder | None], None] | None = None,
) -> Iterator[Held]:
    """Hold the data directory's lock, waiting up to `timeout` seconds for another holder.

    Re-entrant within a process (a `run` holds it around the fetch and build it calls).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = (data_dir / LOCK_NAME).resolve()
    with _guard:
        outer = _held.get(path)
    if outer is not None:
        yield replace(outer, took_over=None, removed=[])
        return

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    start = time.monotonic()
    told = False
    while not _try_lock(fd):
        holder = read_holder(path)
        waited = time.monotonic() - start
        if waited >= timeout:
            os.close(fd)
            raise LockBusy(path, holder, waited)
        if on_wait is not None and not told:
            on_wait(holder)
            told = True
        time.sleep(min(POLL_SECONDS, max(timeout - waited, 0.01)))

    try:
        previous = _parse(os.pread(fd, 65536, 0).decode("utf-8", errors="replace"))
        me = Holder(
            pid=os.getpid(),
            host=socket.gethostname(),
            command=command or " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            started_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.__dict__).encode("utf-8"), 0)
        # A holder recorded in a lock nobody holds died without releasing it.
        took_over = previous if previous is not None and previous.pid != me.pid else None
        held = Held(path, me, took_over, remove_orphans(data_dir))
        with _guard:
            _held[path] = held
        yield held
    finally:
        with _guard:
            _held.pop(path, None)
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
