"""Benchmarks, run on demand (never by pytest): `python -m bench.run --data DIR [--runs N]`.

DIR is a data directory that was already fetched (raw/ and parsed/ present); the benchmarks write
to it (warehouse, out/), so point them at a COPY, never at a directory others use:

    cp -r data /tmp/bench_data
    GPECT_MIRROR=../shared/opendata .venv/bin/python -m bench.run --data /tmp/bench_data

Each case runs N times (default 3), each time in a fresh Python process, which reports the time
of the work itself (imports excluded) and its peak resident memory (`ru_maxrss`); the table shows
the median, the process wall time, the target and the ratio to it. The orchestration overhead
case starts a local Prefect server (offline settings, a throwaway PREFECT_HOME), runs the same
forced build directly and as the `build` flow against it, alternately, and reports the extra
time of the flow in %. The report cases need `gpect report` (flows/cli_reports.py) and say so
when it is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

OFFLINE_PREFECT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}
PEAK_TARGET_MB = 1536
FLOW_OVERHEAD_TARGET_PCT = 15


class Skip(Exception):
    """The case cannot run yet (a part of gpect it measures is missing)."""


# --- the cases, as they run inside the child process -------------------------------------------


def _settings():
    from flows import settings

    return settings.load()


# Each case imports what it needs and returns the work to time: imports are not measured (a
# deployed flow run or a long-lived worker has them loaded already). The work returns a note and,
# for the builds, the seconds spent in the build itself (to separate Prefect's own cost).
Work = Callable[[], tuple[str, float | None]]


def case_build() -> Work:
    from flows import build

    def work() -> tuple[str, float | None]:
        cfg = _settings()
        result = build.build(cfg, cfg.build_parameters)
        return f"{len(result.tables)} tables", result.seconds

    return work


def case_build_direct() -> Work:
    from flows import freshness

    def work() -> tuple[str, float | None]:
        outcome = freshness.build_if_stale(_settings(), force=True)
        return f"{len(outcome.result.tables)} tables", outcome.result.seconds

    return work


def case_build_flow() -> Work:
    from flows.warehouse import build_warehouse

    def work() -> tuple[str, float | None]:
        summary = build_warehouse(force=True)
        return f"{len(summary['marts'])} marts", summary["seconds"]

    return work


def case_noop_refresh() -> Work:
    from flows import cli

    def work() -> tuple[str, float | None]:
        results = cli.run_fetch(None, None, None, False, detail=False)
        changed = [f"{r.dataset} {r.vintage}" for r in results if r.status == "downloaded"]
        if changed:
            raise SystemExit(f"not a no-op: {changed} were downloaded (run the bench once more)")
        return f"{len(results)} vintages", None

    return work


def _report_command() -> Callable[..., None]:
    try:
        from flows import cli_reports
    except ImportError as exc:
        raise Skip(f"flows.cli_reports does not import ({exc})") from exc
    command = getattr(cli_reports, "report", None)
    if command is None:
        raise Skip("flows.cli_reports has no `report` command yet")
    return command


def case_report_one() -> Work:
    command = _report_command()
    town = os.environ["BENCH_TOWN"]

    def work() -> tuple[str, float | None]:
        command(town=town, all_towns=False, pdf=False)
        return f"town {town}", None

    return work


def case_reports_all() -> Work:
    command = _report_command()

    def work() -> tuple[str, float | None]:
        command(town=None, all_towns=True, pdf=False)
        return "all candidate towns", None

    return work


CASES: dict[str, Callable[[], Work]] = {
    "build": case_build,
    "report_one": case_report_one,
    "reports_all": case_reports_all,
    "noop_refresh": case_noop_refresh,
    "build_direct": case_build_direct,
    "build_flow": case_build_flow,
}


def child(name: str) -> None:
    try:
        work = CASES[name]()
    except Skip as exc:
        print(json.dumps({"skipped": str(exc)}))
        return
    start = time.perf_counter()
    note, inner = work()
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "inner": inner, "peak_mb": peak_kb / 1024, "note": note}))


# --- the parent: runs the children, starts the Prefect server, prints the figures -------------


@dataclass
class Figures:
    name: str
    seconds: list[float]
    wall: list[float]
    peak_mb: list[float]
    inner: list[float] = field(default_factory=list)
    note: str = ""
    skipped: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run_child(name: str, env: dict[str, str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--child", name],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench case {name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def measure(names: list[str], runs: int, env: dict[str, str]) -> dict[str, Figures]:
    """Runs the cases round-robin, `runs` times each, so that drift affects them alike."""
    figures = {n: Figures(n, [], [], []) for n in names}
    for _ in range(runs):
        for name in names:
            fig = figures[name]
            if fig.skipped:
                continue
            result = run_child(name, env)
            if "skipped" in result:
                fig.skipped = result["skipped"]
                continue
            fig.seconds.append(result["seconds"])
            fig.wall.append(result["wall"])
            fig.peak_mb.append(result["peak_mb"])
            if result["inner"] is not None:
                fig.inner.append(result["inner"])
            fig.note = result["note"]
    return figures


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 120) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if server.poll() is not None:
            raise SystemExit(f"the Prefect server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"the Prefect server at {url} was not healthy after {timeout:.0f} s")


def flow_overhead(runs: int, env: dict[str, str]) -> tuple[dict[str, Figures], float]:
    with (
        tempfile.TemporaryDirectory(prefix="gpect-bench-prefect-") as home,
        open(Path(home) / "server.log", "w") as log,
    ):
        port = free_port()
        url = f"http://127.0.0.1:{port}/api"
        server_env = {**env, **OFFLINE_PREFECT, "PREFECT_HOME": home}
        server_env.pop("PREFECT_API_URL", None)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            started = wait_healthy(url, server)
            print(f"Prefect server healthy at {url} after {started:.1f} s", flush=True)
            client_env = {**server_env, "PREFECT_API_URL": url}
            return measure(["build_direct", "build_flow"], runs, client_env), started
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


TARGETS = {"build": 30, "report_one": 2, "reports_all": 180, "noop_refresh": 5}
ALL = [*TARGETS, "flow"]


def first_town(data_dir: Path) -> str:
    import duckdb

    con = duckdb.connect(str(data_dir / "gpect.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select town_code from mart_town__profile order by town_code limit 1"
        ).fetchall()
    finally:
        con.close()
    return rows[0][0]


def line(fig: Figures, target: float | None) -> str:
    if fig.skipped:
        return f"{fig.name:14} skipped: {fig.skipped}"
    med, peak = fig.median, max(fig.peak_mb)
    verdict = ""
    if target is not None:
        ok = med <= target and peak <= PEAK_TARGET_MB
        verdict = f"{target:>7.0f} s {med / target:>6.2f}  {'ok' if ok else 'MISSED'}"
    runs = ", ".join(f"{s:.2f}" for s in fig.seconds)
    return (
        f"{fig.name:14} {med:>9.2f} {statistics.median(fig.wall):>9.2f} {peak:>8.0f}  "
        f"{verdict:<24} [{runs}] {fig.note}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data directory to benchmark (a copy)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median reported)")
    parser.add_argument("--town", help="INSEE code for the one-town report (default: first)")
    parser.add_argument(
        "--cases",
        default=",".join(ALL),
        help=f"comma-separated subset of {','.join(ALL)} (default: all)",
    )
    parser.add_argument("--child", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return
    if args.data is None or not (args.data / "parsed").is_dir():
        parser.error("--data must be an already-fetched data directory (a copy: it is written)")
    data_dir = args.data.resolve()
    env = {**os.environ, "GPECT_DATA_DIR": str(data_dir)}
    env.pop("PREFECT_API_URL", None)

    cases = args.cases.split(",")
    unknown = set(cases) - set(ALL)
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}; choose among {ALL}")
    print(f"gpect benchmarks on {data_dir}, {args.runs} runs each, {os.cpu_count()} cores")
    # The build first: the reports read the warehouse it publishes.
    figures = measure([c for c in cases if c == "build"], args.runs, env)
    env["BENCH_TOWN"] = args.town or first_town(data_dir)
    figures |= measure([c for c in cases if c in TARGETS and c != "build"], args.runs, env)
    header = (
        f"{'case':14} {'median s':>9} {'process s':>9} {'peak MB':>8}  "
        f"{'target  ratio':<24} [runs] what"
    )
    print(header)
    for name, fig in figures.items():
        print(line(fig, TARGETS.get(name)))
    one, every = figures.get("report_one"), figures.get("reports_all")
    if one and every and not one.skipped and not every.skipped:
        print(f"all reports / one report: {every.median / one.median:.0f}×")
    print(f"peak memory target: {PEAK_TARGET_MB} MB per case")

    if "flow" not in cases:
        return
    overhead, started = flow_overhead(args.runs, env)
    for fig in overhead.values():
        print(line(fig, None))
    direct, as_flow = overhead["build_direct"], overhead["build_flow"]
    extra = 100 * (as_flow.median - direct.median) / direct.median
    # The build's own time varies with the machine's load far more than Prefect's cost does; the
    # time around the build (flow total − build, direct total − build) isolates that cost.
    around = statistics.median(t - b for t, b in zip(as_flow.seconds, as_flow.inner, strict=True))
    around_direct = statistics.median(
        t - b for t, b in zip(direct.seconds, direct.inner, strict=True)
    )
    added = 100 * (around - around_direct) / direct.median
    verdict = "ok" if added <= FLOW_OVERHEAD_TARGET_PCT else "MISSED"
    print(
        f"flow overhead: {as_flow.median:.2f} s as a flow vs {direct.median:.2f} s direct "
        f"({extra:+.1f} % in total time); Prefect adds {around - around_direct:.2f} s around "
        f"the build = {added:+.1f} % of the direct build (target ≤ {FLOW_OVERHEAD_TARGET_PCT} %: "
        f"{verdict}); server start {started:.1f} s"
    )


if __name__ == "__main__":
    main()
