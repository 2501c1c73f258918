"""Settings that make no sense are refused at start-up, all at once, each with its variable and
allowed range, before any command touches the data directory (no traceback, exit code 2)."""

from __future__ import annotations

import os
import time

import pytest
from typer.testing import CliRunner

from flows.pipeline import settings as st

# environment → fragments of the one refusal message
BAD = {
    "a setting that is not a number": (
        {"GPECT_CATCHMENT_MINUTES": "abc"},
        ["GPECT_CATCHMENT_MINUTES must be a number from 1 to 240, got 'abc'"],
    ),
    "an overflowing number": (
        {"GPECT_DETOUR_FACTOR": "1e400"},
        ["GPECT_DETOUR_FACTOR must be a number from 1 to 3, got '1e400' (not a finite number)"],
    ),
    "every sector weight at 0": (
        {
            "GPECT_WEIGHT_SPECIALISATION": "0",
            "GPECT_WEIGHT_DIFFICULTY": "-0",
            "GPECT_WEIGHT_SUPPLY_GAP": " 0 ",
            "GPECT_WEIGHT_MARKET": "0.0",
        },
        [
            "the sector score weights (GPECT_WEIGHT_SPECIALISATION, GPECT_WEIGHT_DIFFICULTY, "
            "GPECT_WEIGHT_SUPPLY_GAP, GPECT_WEIGHT_MARKET) are all 0"
        ],
    ),
    "a negative weight": (
        {"GPECT_WEIGHT_SUPPLY_GAP": "-0.3"},
        ["GPECT_WEIGHT_SUPPLY_GAP must be a number from 0 to 100, got '-0.3'"],
    ),
    "a shortlist weight nan": (
        {"GPECT_SHORTLIST_WEIGHT_AUDIENCE": "nan"},
        ["GPECT_SHORTLIST_WEIGHT_AUDIENCE must be a number from 0 to 100, got 'nan'"],
    ),
    "a shortlist weight inf": (
        {"GPECT_SHORTLIST_WEIGHT_PARTNERS": "inf"},
        ["GPECT_SHORTLIST_WEIGHT_PARTNERS must be a number from 0 to 100, got 'inf'"],
    ),
    "every shortlist weight at 0": (
        {f"GPECT_SHORTLIST_WEIGHT_{k}": "0" for k in ("HIGHER_EDUCATION", "SKILLS_GAP")}
        | {f"GPECT_SHORTLIST_WEIGHT_{k}": "0" for k in ("SOCIAL_NEED", "AUDIENCE", "PARTNERS")},
        ["the shortlist weights", "are all 0"],
    ),
    "no top sector": (
        {"GPECT_SHORTLIST_TOP_SECTORS": "0"},
        ["GPECT_SHORTLIST_TOP_SECTORS must be a whole number from 1 to 50, got '0'"],
    ),
    "an unknown shortlist setting": (
        {"GPECT_SHORTLIST_WEIGHT_BEAUTY": "1"},
        [
            "GPECT_SHORTLIST_WEIGHT_BEAUTY is not a shortlist setting (did you mean "
            "GPECT_SHORTLIST_WEIGHT_PARTNERS",
            "fix or unset it (valid names: GPECT_SHORTLIST_WEIGHT_HIGHER_EDUCATION, ",
        ],
    ),
    "a misspelt model setting": (
        {"GPECT_CATCHMENT_MINUTE": "20"},
        [
            "GPECT_CATCHMENT_MINUTE is not a gpect setting (did you mean "
            "GPECT_CATCHMENT_MINUTES or",
            "README.md, section Settings, lists every variable",
        ],
    ),
    "a setting that is not a URL": (
        {"GPECT_SITE_URL": "ftp://example.org"},
        ["GPECT_SITE_URL must be an http(s) URL, got 'ftp://example.org'"],
    ),
    "bands out of order": (
        {"GPECT_BAND2_MINUTES": "40"},
        ["GPECT_BAND1_MINUTES < GPECT_BAND2_MINUTES < GPECT_CATCHMENT_MINUTES is required"],
    ),
    "a population band upside down": (
        {"GPECT_SHORTLIST_POPULATION_MIN": "200000"},
        ["GPECT_SHORTLIST_POPULATION_MIN (200000) must not exceed"],
    ),
    "a decimal comma": (
        {"GPECT_SHORTLIST_PARTICIPATION_RATE": "0,003"},
        ["got '0,003' (use a decimal point)"],
    ),
    "no download deadline": (
        {"GPECT_DOWNLOAD_DEADLINE": "0"},
        ["GPECT_DOWNLOAD_DEADLINE must be a number from 1 to 86400, got '0'"],
    ),
    "an unknown task runner": (
        {"GPECT_TASK_RUNNER": "celery"},
        ["GPECT_TASK_RUNNER must be one of thread, dask, got 'celery'"],
    ),
    "fractional retries": (
        {"GPECT_HTTP_RETRIES": "2.5"},
        ["GPECT_HTTP_RETRIES must be a whole number from 0 to 20, got '2.5'"],
    ),
    "a mirror directory that does not exist": (
        {"GPECT_MIRROR": "/nonexistent/opendata"},
        ["GPECT_MIRROR must be an http(s) base URL or an existing directory, got '/nonexistent"],
    ),
    "a mirror map that does not exist": (
        {"GPECT_MIRROR_MAP": "/nonexistent/map.csv"},
        ["GPECT_MIRROR_MAP must be an existing CSV file, got '/nonexistent/map.csv'"],
    ),
    "several problems at once": (
        {"GPECT_SPEED_KMH": "0", "GPECT_SHORTLIST_DRAWS": "0"},
        ["GPECT_SPEED_KMH must be", "GPECT_SHORTLIST_DRAWS must be"],
    ),
}


@pytest.fixture
def clean_env(monkeypatch):
    for name in [n for n in os.environ if n.startswith("GPECT_") and n != "GPECT_OPENDATA"]:
        monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize("case", list(BAD))
def test_bad_settings_are_refused_at_load_with_the_variable_and_its_range(clean_env, case):
    env, fragments = BAD[case]
    for name, value in env.items():
        clean_env.setenv(name, value)
    with pytest.raises(st.SettingsError) as error:
        st.load()
    for fragment in fragments:
        assert fragment in str(error.value)


@pytest.mark.parametrize("command", [["build", "--force"], ["shortlist"], ["fetch"], ["run"]])
def test_commands_refuse_bad_settings_before_touching_the_data_directory(tmp_path, command):
    """The published warehouse and shortlist are left byte-identical; no traceback."""
    warehouse, shortlist = tmp_path / "gpect.duckdb", tmp_path / "out" / "shortlist" / "s.csv"
    shortlist.parent.mkdir(parents=True)
    warehouse.write_bytes(b"published warehouse")
    shortlist.write_bytes(b"published shortlist")
    from flows.cli import app

    got = CliRunner().invoke(
        app,
        command,
        env={
            "GPECT_DATA_DIR": str(tmp_path),
            "GPECT_SHORTLIST_WEIGHT_AUDIENCE": "nan",
            "GPECT_CATCHMENT_MINUTES": "abc",
            "COLUMNS": "300",
        },
    )
    said = " ".join(got.output.split())
    assert got.exit_code == 2, said
    assert said.startswith("Invalid settings: invalid settings (fix these environment variables")
    assert "GPECT_CATCHMENT_MINUTES must be a number from 1 to 240, got 'abc'" in said
    assert "GPECT_SHORTLIST_WEIGHT_AUDIENCE must be a number from 0 to 100, got 'nan'" in said
    assert "Traceback" not in said
    assert isinstance(got.exception, SystemExit)  # a clean exit, not an uncaught error
    assert warehouse.read_bytes() == b"published warehouse"
    assert shortlist.read_bytes() == b"published shortlist"
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "gpect.duckdb",
        "out",
        "s.csv",
        "shortlist",
    ]


def test_a_shortlist_typo_stops_the_shortlist_command_at_once(tmp_path):
    """Every shortlist setting is checked when the command starts, not after the warehouse is
    read and the towns ranked."""
    from flows.cli import app

    start = time.perf_counter()
    got = CliRunner().invoke(
        app,
        ["shortlist"],
        env={
            "GPECT_DATA_DIR": str(tmp_path),
            "GPECT_SHORTLIST_DRAWZ": "500",
            "COLUMNS": "300",
        },
    )
    elapsed = time.perf_counter() - start
    said = " ".join(got.output.split())
    assert got.exit_code == 2, said
    assert (
        "GPECT_SHORTLIST_DRAWZ is not a shortlist setting (did you mean GPECT_SHORTLIST_DRAWS"
        in said
    )
    assert elapsed < 1.0
    assert list(tmp_path.iterdir()) == []


def test_a_mirror_option_that_does_not_exist_is_refused_before_fetching(tmp_path):
    from flows.cli import app

    got = CliRunner().invoke(
        app,
        ["fetch", "--mirror", str(tmp_path / "absent")],
        env={"GPECT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "300"},
    )
    said = " ".join(got.output.split())
    assert got.exit_code == 2, said
    assert "--mirror must be an http(s) base URL or an existing directory" in said
    assert not (tmp_path / "data").exists()
