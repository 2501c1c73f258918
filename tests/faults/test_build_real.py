"""Build-time faults on the real data: a bad candidates list or bad settings never replace the
published warehouse or shortlist (byte-identical), and a list of current codes yields exactly
those towns, even codes that INSEE's passage table also lists as former codes of split communes."""

from __future__ import annotations

import duckdb
import pytest
from conftest import published_state
from typer.testing import CliRunner

from flows.pipeline import build as build_mod

pytestmark = pytest.mark.realdata


def run(args: list[str], data_dir, **env) -> tuple[int, str]:
    from flows.cli import app

    got = CliRunner().invoke(
        app, args, env={"GPECT_DATA_DIR": str(data_dir), "COLUMNS": "300", **env}
    )
    return got.exit_code, " ".join(got.output.split())


@pytest.fixture(scope="module")
def published(ingested, tmp_path_factory):
    """A data directory over the session's real ingest, with a warehouse and a shortlist."""
    cfg, _ = ingested
    work = tmp_path_factory.mktemp("faults-build-real")
    (work / "parsed").symlink_to(cfg.parsed_dir, target_is_directory=True)
    code, said = run(["build"], work)
    assert code == 0, said
    code, said = run(["shortlist", "--draws", "50"], work)
    assert code == 0, said
    return cfg.with_overrides(data_dir=work)


# candidates file content → (exit code, fragment of the refusal)
LISTS = {
    "codes matching no commune": (b"99999\n", 1, "line 1: 99999: not a commune code of the"),
    "an empty file": (b"", 2, "no town listed"),
    "duplicated codes": (b"02168\n88413\n02168\n", 2, "line 3: 02168 is already listed on line 1"),
    "not UTF-8": (b"B\xe9ziers\n", 2, "line 1 is not UTF-8 text"),
    "a former code split between communes": (
        b"52427\n",
        1,
        "line 1: 52427: a former commune code that INSEE's code-passage table splits into 52266",
    ),
}


@pytest.mark.parametrize("case", list(LISTS))
def test_a_bad_candidates_list_leaves_the_published_state(published, tmp_path, case):
    data, code, fragment = LISTS[case]
    path = tmp_path / "candidates.txt"
    path.write_bytes(data)
    before = published_state(published)
    got, said = run(["build", "--candidates", str(path)], published.data_dir)
    assert got == code, said
    assert fragment in said
    assert "Traceback" not in said
    assert published_state(published) == before


# environment → fragment of the refusal
SETTINGS = {
    "every sector weight at 0": (
        ["build", "--force"],
        {
            "GPECT_WEIGHT_SPECIALISATION": "0",
            "GPECT_WEIGHT_DIFFICULTY": "0",
            "GPECT_WEIGHT_SUPPLY_GAP": "0",
            "GPECT_WEIGHT_MARKET": "0",
        },
        "the sector score weights",
    ),
    "a shortlist weight nan": (
        ["shortlist"],
        {"GPECT_SHORTLIST_WEIGHT_AUDIENCE": "nan"},
        "GPECT_SHORTLIST_WEIGHT_AUDIENCE must be a number from 0 to 100, got 'nan'",
    ),
    "no top sector": (
        ["shortlist"],
        {"GPECT_SHORTLIST_TOP_SECTORS": "0"},
        "GPECT_SHORTLIST_TOP_SECTORS must be a whole number from 1 to 50, got '0'",
    ),
    "a catchment that is not a number": (
        ["run"],
        {"GPECT_CATCHMENT_MINUTES": "abc"},
        "GPECT_CATCHMENT_MINUTES must be a number from 1 to 240, got 'abc'",
    ),
}


@pytest.mark.parametrize("case", list(SETTINGS))
def test_bad_settings_leave_the_published_state(published, case):
    args, env, fragment = SETTINGS[case]
    before = published_state(published)
    code, said = run(args, published.data_dir, **env)
    assert code == 2, said
    assert fragment in said and "Traceback" not in said
    assert published_state(published) == before


def test_current_codes_yield_exactly_those_towns(published, tmp_path):
    """85084, 51136 and 22179 are current communes that the passage table also lists as former
    codes split into others: the user list adds no other town."""
    cfg = published.with_overrides(data_dir=tmp_path)
    (tmp_path / "parsed").symlink_to(published.parsed_dir.resolve(), target_is_directory=True)
    result = build_mod.build(cfg, cfg.build_parameters, ["85084", "51136", "22179"])
    con = duckdb.connect(str(result.path), read_only=True)
    try:
        towns = [
            r[0]
            for r in con.execute("select town_code from mart_town__profile order by 1").fetchall()
        ]
    finally:
        con.close()
    assert towns == ["22179", "51136", "85084"]
