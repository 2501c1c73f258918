"""A build killed half-way (kill -9) on the real data: the published warehouse stays readable and
unchanged, the next build takes over the dead run's lock, removes its half-built file and
succeeds; an up-to-date warehouse is not rebuilt."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.realdata


def gpect(data_dir: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "GPECT_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen) -> str:
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    return " ".join(out.split())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def towns(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from mart_town__profile").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def data_dir(ingested, tmp_path_factory) -> Path:
    """A data directory of its own whose parsed tables are the session's real ingest."""
    cfg, _ = ingested
    work = tmp_path_factory.mktemp("faults-real")
    (work / "parsed").symlink_to(cfg.parsed_dir, target_is_directory=True)
    return work


def test_build_killed_half_way_leaves_the_previous_warehouse_and_the_next_build_succeeds(
    data_dir,
):
    warehouse = data_dir / "gpect.duckdb"
    first = finish(gpect(data_dir, "build"))
    assert "Warehouse rebuilt (gpect.duckdb does not exist yet)" in first
    published, count = digest(warehouse), towns(warehouse)
    assert count > 200

    start = time.monotonic()
    quiet = finish(gpect(data_dir, "build"))
    assert "is up to date (inputs unchanged since the last build)" in quiet
    assert time.monotonic() - start < 10
    assert digest(warehouse) == published

    victim = gpect(data_dir, "build", "--force")
    half_built = data_dir / f".gpect.{victim.pid}.building.duckdb"
    deadline = time.monotonic() + 120
    while not (half_built.exists() and half_built.stat().st_size > 40 * 2**20):
        assert victim.poll() is None, "the build finished before it could be killed"
        assert time.monotonic() < deadline, "the build never got half-way"
        time.sleep(0.1)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert half_built.exists()  # a killed process cleans nothing up
    assert digest(warehouse) == published and towns(warehouse) == count

    again = finish(gpect(data_dir, "build", "--force"))
    assert f"Took over the lock left by pid {victim.pid}" in again
    assert f".gpect.{victim.pid}.building.duckdb" in again  # named among the removed files
    assert not list(data_dir.glob(f".gpect.{victim.pid}.*"))
    assert "Warehouse rebuilt (forced)" in again
    assert towns(warehouse) == count
