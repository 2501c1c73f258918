"""Benchmarks, run on demand (never by pytest): `python -m bench.run --data DIR [--runs N]`.

DIR is a data directory that was already fetched (raw/ and parsed/ present); the benchmarks write
to it (warehouse, out/), so point them at a COPY, never at a directory others use:

    cp -r data /tmp/bench_data
    GPECT_MIRROR=../shared/opendata .venv/bin/python -m bench.run --data /tmp/bench_data

Every figure is printed with its target and its ratio to it, and the comparisons the issue asks
for are measured in the same run:
- builds for the default candidates (ACV), the 2,254 communes of 5,000 inhabitants or more and
  every commune (34,888; lists read from the warehouse's own geography): time, peak memory, cost
  per candidate and the national / ACV ratio of that cost;
- the ACV build against the floor of reading every parsed Parquet table once (pyarrow);
- a quiet `gpect run` (nothing changed) against `gpect sources`, as whole processes;
- one report, every report (per town) and one PDF (`gpect report`, whole processes); after
  every report, the site itself: a page per candidate town, each linked from the index, none
  over PAGE_TARGET_MB (the test suite renders a dozen towns, tests/integration/test_report_real.py);
- the `build` flow against a Prefect server vs the same build called directly;
- on demand only (named in --cases, minutes each), the project as a newcomer and CI meet it, in
  a clean clone of HEAD beside ../shared: `quick_start` (the README's first command, read from
  the README), `unit_tier` (the README's unit-tier command) and `ci` (`CI=true bash .ci/run`).

Work cases run in a fresh Python process that reports the time of the work itself (imports
excluded) and its peak resident memory (`ru_maxrss`); command cases time the whole `gpect`
process. Cases run round-robin, N times each (default 3), and the table shows medians. The
machine's load average is printed before and after: the machine is shared, so compare figures
of one run with each other rather than with another day's.
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
PAGE_TARGET_MB = 1.5
FLOW_OVERHEAD_TARGET_PCT = 15


class Skip(Exception):
    """The case cannot run yet (a part of gpect it measures is missing)."""


# --- the cases, as they run inside the child process -------------------------------------------


def _settings():
    from flows.pipeline import settings

    return settings.load()


# Each case imports what it needs and returns the work to time: imports are not measured (a
# deployed flow run or a long-lived worker has them loaded already). The work returns a note and,
# for the builds, the seconds spent in the build itself (to separate Prefect's own cost).
Work = Callable[[], tuple[str, float | None]]


def _candidates() -> list[str] | None:
    path = os.environ.get("BENCH_CANDIDATES")
    if not path:
        return None
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]


def case_build() -> Work:
    from flows.pipeline import freshness

    def work() -> tuple[str, float | None]:
        codes = _candidates()
        outcome = freshness.build_if_stale(_settings(), codes, force=True)
        towns = outcome.result.tables["int_towns__candidates"]
        return f"{towns} candidates", outcome.result.seconds

    return work


def case_parquet_floor() -> Work:
    import pyarrow.parquet as pq

    def work() -> tuple[str, float | None]:
        files = sorted(_settings().parsed_dir.rglob("*.parquet"))
        rows = sum(pq.read_table(f).num_rows for f in files)
        return f"{len(files)} files, {rows:,} rows", None

    return work


def case_build_direct() -> Work:
    from flows.pipeline import freshness

    def work() -> tuple[str, float | None]:
        outcome = freshness.build_if_stale(_settings(), force=True)
        return f"{len(outcome.result.tables)} tables", outcome.result.seconds

    return work


def case_build_flow() -> Work:
    from flows.build_flow import build_warehouse

    def work() -> tuple[str, float | None]:
        summary = build_warehouse(force=True)
        return f"{len(summary['marts'])} marts", summary["seconds"]

    return work


CASES: dict[str, Callable[[], Work]] = {
    "build": case_build,
    "parquet_floor": case_parquet_floor,
    "build_direct": case_build_direct,
    "build_flow": case_build_flow,
}
# Whole `gpect` processes (BENCH_TOWN: the town of the one-town cases).
COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "run_noop": ["run"],
    "sources": ["sources"],
    "report_one": ["report", "{town}"],
    "reports_all": ["report", "--all"],
    "pdf_one": ["report", "{town}", "--pdf"],
}


def child(name: str) -> None:
    try:
        work = CASES[name]()
    except Skip as exc:
        print(json.dumps({"skipped": str(exc)}))
        return
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start_cpu = before.ru_utime + before.ru_stime
    note, inner = work()
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds (every thread, DuckDB's included) say what the work costs whatever else runs
    # on the machine; wall seconds stretch with the load.
    cpu = usage.ru_utime + usage.ru_stime - start_cpu
    peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {"seconds": seconds, "inner": inner, "peak_mb": peak_mb, "cpu": cpu, "note": note}
        )
    )


# --- the parent: runs the children, starts the Prefect server, prints the figures -------------


@dataclass
class Figures:
    name: str
    seconds: list[float]
    wall: list[float]
    peak_mb: list[float]
    cpu: list[float] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)
    note: str = ""
    skipped: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run_child(name: str, env: dict[str, str]) -> dict:
    start = time.perf_counter()
    CHILD_CPU[0] = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
    if name in COMMANDS:
        gpect = Path(sys.executable).with_name("gpect")
        args = [a.format(town=env.get("BENCH_TOWN", "")) for a in COMMANDS[name]]
        command = [str(gpect), *args]
    else:
        command = [sys.executable, "-m", "bench.run", "--child", CASE_OF.get(name, name)]
    proc = subprocess.run(
        command,
        env={**env, **CASE_ENV.get(name, {})},
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench case {name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    if name in COMMANDS:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime - CHILD_CPU[0]
        return {"seconds": wall, "inner": None, "peak_mb": 0.0, "cpu": cpu, "note": " ".join(args)}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


# CPU seconds of the finished children so far (a command's CPU is the difference).
CHILD_CPU = [0.0]
# Build cases are one child case run with different candidate lists (written by `main`).
CASE_OF = {"build_all": "build", "build_5000": "build", "build_acv": "build"}
CASE_ENV: dict[str, dict[str, str]] = {}


# Whole-project cases (seconds), run only when named: a clean clone each time.
PROJECT_TARGETS = {"quick_start": 180, "unit_tier": 60, "ci": 360}
REPO = Path(__file__).resolve().parent.parent


def readme_command(which: str) -> str:
    """The README's own text: the first ```bash block (quick start) or the unit tier's command."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    if which == "quick_start":
        return text.split("```bash\n", 1)[1].split("```", 1)[0].strip()
    row = next(line for line in text.splitlines() if line.startswith("| unit "))
    return row.split("`")[1]


def run_project(name: str) -> dict:
    """One whole-project case in a fresh clone of HEAD placed beside ../shared (CI's layout)."""
    with tempfile.TemporaryDirectory(dir=REPO.parent, prefix=".bench-clone-") as tmp:
        clone = Path(tmp) / "gpect"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        shared = Path(tmp) / "shared"
        shared.symlink_to(REPO.parent / "shared")
        setup = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]'"
        commands = {
            "quick_start": readme_command("quick_start"),
            "unit_tier": readme_command("unit_tier"),
            "ci": "CI=true bash .ci/run",
        }
        if name == "unit_tier":
            subprocess.run(setup, shell=True, cwd=clone, check=True, capture_output=True)  # noqa: S602
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GPECT_", "VIRTUAL_ENV"))}
        before = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
        start = time.perf_counter()
        proc = subprocess.run(  # noqa: S602 - the README's and CI's own shell commands
            commands[name], shell=True, cwd=clone, env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            tail = f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            raise SystemExit(f"bench case {name} failed:\n{tail}")
        cpu = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) - before
        note = commands[name]
        return {"seconds": seconds, "inner": None, "peak_mb": 0.0, "cpu": cpu, "note": note}


def measure(names: list[str], runs: int, env: dict[str, str]) -> dict[str, Figures]:
    """Runs the cases round-robin, `runs` times each, so that drift affects them alike."""
    figures = {n: Figures(n, [], [], []) for n in names}
    for _ in range(runs):
        for name in names:
            fig = figures[name]
            if fig.skipped:
                continue
            result = run_project(name) if name in PROJECT_TARGETS else run_child(name, env)
            if "skipped" in result:
                fig.skipped = result["skipped"]
                continue
            fig.seconds.append(result["seconds"])
            fig.wall.append(result.get("wall", result["seconds"]))
            fig.peak_mb.append(result["peak_mb"])
            fig.cpu.append(result["cpu"])
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


# Targets of issue 13 (seconds, whole processes for the commands). Peak memory: builds only.
TARGETS = {
    "build_acv": 6,
    "build_5000": None,
    "build_all": 40,
    "parquet_floor": None,
    "help": 0.5,
    "run_noop": 1,
    "sources": None,
    "report_one": 1.2,
    "reports_all": 25,
    "pdf_one": 5,
}
PEAK_TARGETS = {"build_all": PEAK_TARGET_MB}
BUILDS = {
    "build_all": "every commune",
    "build_5000": "communes of 5,000 inhabitants or more",
    "build_acv": None,
}
ALL = [*TARGETS, "flow"]


def candidate_lists(data_dir: Path) -> dict[str, Path]:
    """Candidate files from the warehouse's geography (build the default one first if absent)."""
    import duckdb

    warehouse = data_dir / "gpect.duckdb"
    queries = {
        "build_all": "select commune_code from int_geo__communes order by 1",
        "build_5000": "select commune_code from int_geo__communes where population >= 5000 "
        "order by 1",
    }
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for name, sql in queries.items():
            path = data_dir / f"bench_{name}.txt"
            path.write_text("\n".join(r[0] for r in con.execute(sql).fetchall()) + "\n")
            out[name] = path
        return out
    finally:
        con.close()


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


def line(fig: Figures, target: float | None, peak_target: float | None = None) -> str:
    if fig.skipped:
        return f"{fig.name:14} skipped: {fig.skipped}"
    med, peak = fig.median, max(fig.peak_mb)
    verdict = ""
    if target is not None:
        ok = med <= target and (peak_target is None or peak <= peak_target)
        verdict = f"{target:>7.1f} s {med / target:>6.2f}  {'ok' if ok else 'MISSED'}"
    if peak_target is not None:
        verdict += f"  peak {peak / peak_target:.2f} of {peak_target} MB"
    runs = ", ".join(f"{s:.2f}" for s in fig.seconds)
    memory = f"{peak:>8.0f}" if peak else f"{'-':>8}"
    return (
        f"{fig.name:14} {med:>9.2f} {statistics.median(fig.wall):>9.2f} "
        f"{statistics.median(fig.cpu) if fig.cpu else 0:>7.2f} {memory}  "
        f"{verdict:<40} [{runs}] {fig.note}"
    )


def site_pages(data_dir: Path) -> str:
    """What `gpect report --all` left: every candidate town's page, linked from the index, each
    under PAGE_TARGET_MB (a page embeds its own charts' data, so size grows with the data)."""
    import duckdb

    from reports import site

    layout = site.Layout(data_dir / "out")
    con = duckdb.connect(str(data_dir / "gpect.duckdb"), read_only=True)
    try:
        codes = {r[0] for r in con.execute("select town_code from mart_town__profile").fetchall()}
    finally:
        con.close()
    pages = {p.stem: p.stat().st_size / 1e6 for p in layout.towns_dir.glob("*.html")}
    index = layout.index.read_text(encoding="utf-8")
    without = sorted(codes - set(pages))
    unlinked = sorted(c for c in codes if f'href="towns/{c}.html"' not in index)
    largest = max(pages.values(), default=0)
    ok = not without and not unlinked and largest < PAGE_TARGET_MB
    return (
        f"site: {len(pages)} pages for {len(codes)} towns, largest {largest:.2f} MB (target < "
        f"{PAGE_TARGET_MB} MB); without a page {without[:5]}, not in the index {unlinked[:5]}: "
        + ("ok" if ok else "MISSED")
    )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def comparisons(figures: dict[str, Figures]) -> list[str]:
    def med(name):
        fig = figures.get(name)
        return fig.median if fig and fig.seconds else None

    out = []
    acv = figures.get("build_acv")
    per_acv = None
    if acv and acv.seconds:
        towns = int(acv.note.split()[0])
        per_acv = acv.median / towns
        out.append(f"ACV build: {1000 * per_acv:.1f} ms per candidate ({towns} candidates)")
    for name in ("build_5000", "build_all"):
        fig = figures.get(name)
        if fig and fig.seconds and per_acv:
            towns = int(fig.note.split()[0])
            per = fig.median / towns
            out.append(
                f"{name}: {1000 * per:.2f} ms per candidate ({towns} candidates), "
                f"{per / per_acv:.3f} × the ACV cost per candidate; "
                f"{fig.median / acv.median:.1f} × the ACV build's time for "
                f"{towns / int(acv.note.split()[0]):.0f} × its candidates"
            )
    if med("build_acv") and med("parquet_floor"):
        out.append(
            f"ACV build / reading every parsed Parquet once: "
            f"{med('build_acv') / med('parquet_floor'):.1f} × ({med('parquet_floor'):.2f} s)"
        )
    if med("run_noop") and med("sources"):
        out.append(f"quiet `gpect run` / `gpect sources`: {med('run_noop') / med('sources'):.2f} ×")
    if med("reports_all") and med("report_one"):
        towns = int(figures["build_acv"].note.split()[0]) if med("build_acv") else None
        if towns:
            out.append(
                f"every report: {med('reports_all') / towns:.3f} s per town ({towns} towns); "
                f"one report as a whole process {med('report_one'):.2f} s"
            )
    if med("pdf_one") and med("report_one"):
        out.append(
            f"one PDF: {med('pdf_one'):.2f} s, {med('pdf_one') - med('report_one'):.2f} s "
            "more than the same report without PDF"
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data directory to benchmark (a copy)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median reported)")
    parser.add_argument("--town", help="INSEE code for the one-town report (default: first)")
    parser.add_argument(
        "--cases",
        default=",".join(ALL),
        help=f"comma-separated subset of {','.join(ALL)} (default: all), or of the "
        f"whole-project cases {','.join(PROJECT_TARGETS)}, run only when named",
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
    unknown = set(cases) - set(ALL) - set(PROJECT_TARGETS)
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}; choose among {ALL + list(PROJECT_TARGETS)}")
    print(f"gpect benchmarks on {data_dir}, {args.runs} runs each; {load()}", flush=True)
    builds = [c for c in ("build_all", "build_5000", "build_acv") if c in cases]
    if not (data_dir / "gpect.duckdb").exists() or {"build_all", "build_5000"} & set(builds):
        if not (data_dir / "gpect.duckdb").exists():
            run_child("build_acv", env)  # the geography the candidate lists come from
        for name, path in candidate_lists(data_dir).items():
            CASE_ENV[name] = {"BENCH_CANDIDATES": str(path)}
    # The ACV build last in each round: the reports read the warehouse it publishes.
    figures = measure(builds, args.runs, env)
    if "parquet_floor" in cases:
        figures |= measure(["parquet_floor"], args.runs, env)
    env["BENCH_TOWN"] = args.town or first_town(data_dir)
    commands = [c for c in COMMANDS if c in cases]
    if "run_noop" in commands:
        run_child("run_noop", env)  # the first run after a bench build writes the outputs
    # The quiet run and `sources` first, by themselves: a report case rewrites the outputs,
    # after which `gpect run` is no longer a no-op.
    quiet = [c for c in commands if c in ("run_noop", "sources")]
    figures |= measure(quiet, args.runs, env)
    figures |= measure([c for c in commands if c not in quiet], args.runs, env)
    figures |= measure([c for c in PROJECT_TARGETS if c in cases], args.runs, env)
    header = (
        f"{'case':14} {'median s':>9} {'process s':>9} {'cpu s':>7} {'peak MB':>8}  "
        f"{'target  ratio':<40} [runs] what"
    )
    print(header)
    for name, fig in figures.items():
        print(line(fig, TARGETS.get(name) or PROJECT_TARGETS.get(name), PEAK_TARGETS.get(name)))
    for text in comparisons(figures):
        print(text)
    if figures.get("reports_all") and figures["reports_all"].seconds:
        print(site_pages(data_dir))
    print(f"after the cases: {load()}", flush=True)

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
        f"{verdict}); server start {started:.1f} s; {load()}"
    )


if __name__ == "__main__":
    main()
