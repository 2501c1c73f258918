"""Two runs at once: the data directory's lock file, between real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.pipeline import lock

# A second process that takes the lock, says so, writes a work file named like a half-built
# warehouse, then sleeps (it is either killed or lets go after argv[2] seconds).
HOLDER = """
import os, sys, time
from pathlib import Path
from flows.pipeline import lock
data = Path(sys.argv[1])
with lock.hold(data, timeout=0, command="test holder"):
    (data / f".gpect.{os.getpid()}.building.duckdb").write_bytes(b"half")
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def start_holder(data_dir: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture
def holder(tmp_path):
    proc = start_holder(tmp_path, 60)
    yield proc
    proc.kill()
    proc.wait()


def test_a_second_run_gives_up_naming_the_holder_pid_and_start_time(tmp_path, holder):
    seen = []
    start = time.monotonic()
    with pytest.raises(lock.LockBusy) as busy:
        with lock.hold(tmp_path, timeout=0.6, on_wait=seen.append):
            pytest.fail("got a lock another process holds")
    assert time.monotonic() - start >= 0.6
    recorded = lock.read_holder(tmp_path / lock.LOCK_NAME)
    assert recorded.pid == holder.pid and recorded.command == "test holder"
    assert seen == [recorded]
    message = str(busy.value)
    assert f"pid {holder.pid}" in message and recorded.started_at in message
    assert f"kill {holder.pid}" in message and "GPECT_LOCK_TIMEOUT" in message


def test_a_second_run_waits_for_the_first_to_finish(tmp_path):
    first = start_holder(tmp_path, 1.0)
    start = time.monotonic()
    with lock.hold(tmp_path, timeout=30) as held:
        waited = time.monotonic() - start
        assert first.wait(timeout=10) == 0  # it let go as it finished
        assert held.took_over is None  # a clean release leaves nothing to take over
        assert held.holder.pid == os.getpid()
    assert 0.3 < waited < 10
    assert (tmp_path / lock.LOCK_NAME).read_text() == ""  # released


def test_the_lock_of_a_killed_run_is_taken_over_and_its_work_files_removed(tmp_path):
    dead = start_holder(tmp_path, 60)
    os.kill(dead.pid, signal.SIGKILL)
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "raw" / ".tmp").mkdir(parents=True)
        partial = tmp_path / "raw" / ".tmp" / f"download-{dead.pid}-1.part"
        partial.write_bytes(b"x")
        busy = tmp_path / "raw" / ".tmp" / f"download-{alive.pid}-1.part"
        busy.write_bytes(b"x")
        with lock.hold(tmp_path, timeout=0) as held:
            assert held.took_over.pid == dead.pid
            assert held.took_over.command == "test holder"
            assert sorted(p.name for p in held.removed) == sorted(
                [f".gpect.{dead.pid}.building.duckdb", partial.name]
            )
            with lock.hold(tmp_path, timeout=0) as nested:  # reported once, not per step
                assert nested.took_over is None and nested.removed == []
        assert busy.exists()  # a running process's file is never touched
    finally:
        alive.kill()
        alive.wait()


def test_the_lock_is_reentrant_within_a_process_and_exclusive_between_processes(tmp_path):
    with lock.hold(tmp_path, timeout=0) as outer:
        with lock.hold(tmp_path, timeout=0) as inner:
            assert inner.holder == outer.holder and inner.path == outer.path
        probe = subprocess.run(
            [sys.executable, "-c", HOLDER, str(tmp_path), "0"], capture_output=True, text=True
        )
        assert probe.returncode == 1 and "LockBusy" in probe.stderr
        assert f"pid {os.getpid()}" in probe.stderr
    probe = subprocess.run(
        [sys.executable, "-c", HOLDER, str(tmp_path), "0"], capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr


def test_gpect_build_stops_with_a_clear_message_when_the_data_dir_is_busy(
    tmp_path, holder, monkeypatch
):
    monkeypatch.setenv("GPECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GPECT_LOCK_TIMEOUT", "0.3")
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 3
    text = " ".join(result.output.split())
    assert "Waiting up to 0.3 s" in text
    assert f"in use by pid {holder.pid}" in text and "test holder" in text


@pytest.mark.parametrize(
    "args",
    [["run"], ["report", "--all"], ["shortlist"], ["export"], ["evaluate"]],
    ids=" ".join,
)
def test_every_command_that_writes_waits_for_the_lock(tmp_path, holder, monkeypatch, args):
    monkeypatch.setenv("GPECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GPECT_LOCK_TIMEOUT", "0.2")
    result = CliRunner().invoke(app, args)
    text = " ".join(result.output.split())
    assert result.exit_code == 3, text
    assert f"in use by pid {holder.pid}" in text
