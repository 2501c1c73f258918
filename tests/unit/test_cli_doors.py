"""The CLI's doors: `import flows.cli` (what `gpect --help` and argument errors cost) loads no
heavy library, and every common mistake ends in a one-line message and a non-zero exit code, never
a traceback. Timings are benchmarks (bench/), not tests."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from flows.cli import app

HEAVY = ("pandas", "duckdb", "pyarrow", "prefect", "numpy", "geopandas", "plotly")


def test_importing_the_cli_loads_no_heavy_library():
    code = (
        "import json, sys; import flows.cli; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_help_lists_every_command_without_loading_them():
    code = (
        "import sys; from typer.testing import CliRunner; from flows.cli import app; "
        "r = CliRunner().invoke(app, ['--help']); print(r.output); "
        f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for command in ("fetch", "build", "run", "report", "shortlist", "evaluate", "export"):
        assert command in done.stdout
    assert "HEAVY []" in done.stdout


@pytest.fixture
def empty_data(tmp_path, monkeypatch):
    monkeypatch.setenv("GPECT_DATA_DIR", str(tmp_path))
    for name in ("GPECT_MIRROR", "GPECT_TASK_RUNNER", "GPECT_SITE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


MISTAKES = [
    (["fetch", "-d", "nosuchdataset"], {}, 2, "unknown dataset 'nosuchdataset'"),
    (["fetch", "-d", "bmoo"], {}, 2, "did you mean bmo"),
    (["fetch", "-d", "bmo", "-v", "1899"], {}, 2, "no selected dataset has a vintage '1899'"),
    (["refresh", "-d", "nosuchdataset"], {}, 2, "unknown dataset 'nosuchdataset'"),
    (["fetch", "--mirror", "/no/such/mirror"], {}, 2, "must be an http(s) base URL or an existing"),
    (["build", "--candidates", "missing.txt"], {}, 2, "candidates file missing.txt: no such file"),
    (["shortlist", "--candidates", "missing.txt"], {}, 1, "Shortlist failed"),
    (["sources"], {"GPECT_TASK_RUNNER": "foo"}, 2, "GPECT_TASK_RUNNER must be one of thread, dask"),
    (["sources"], {"GPECT_SITE_URL": "gpect.example.org"}, 2, "GPECT_SITE_URL must be an http(s)"),
    (["report", "Nevers"], {}, 1, "no warehouse at"),
    (["report"], {}, 2, "give either a TOWN or --all"),
    (["export"], {}, 1, "no warehouse at"),
    (["evaluate"], {}, 1, "gpect build"),
    (["report", "Nevers", "--json"], {}, 1, "no warehouse at"),
    # Before any page is written or any source fetched.
    (["report", "Nevers", "--pdf"], {"PATH": "/nonexistent"}, 1, "no Chromium on PATH"),
    (["run", "--pdf"], {"PATH": "/nonexistent"}, 1, "install Debian's `chromium` package"),
]


@pytest.mark.parametrize(
    ("args", "env", "code", "said"), MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES]
)
def test_common_mistakes_end_in_one_message_and_an_exit_code(empty_data, args, env, code, said):
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == code, result.output
    # a Typer exit, not an exception escaping the command
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    text = " ".join(result.output.split())
    assert said in text
    assert "Traceback" not in result.output


def test_a_missing_extra_names_its_install_command(capsys):
    import typer

    from flows.cli.common import require_extra

    with pytest.raises(typer.Exit) as stop:
        require_extra("no_such_module_for_gpect", "pdf", "gpect report --pdf")
    assert stop.value.exit_code == 1
    said = " ".join(capsys.readouterr().out.split())
    assert "gpect report --pdf needs the 'pdf' extra: .venv/bin/pip install -e '.[pdf]'" in said
