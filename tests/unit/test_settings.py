"""The settings declaration: every setting once, with a default inside its range, a French label
and a doc; values parsed strictly; one immutable, picklable object; the README's table generated
from it (pure, no data needed)."""

from __future__ import annotations

import dataclasses
import os
import pickle

import pytest

from flows.pipeline import parameters
from flows.pipeline import settings as st


@pytest.fixture
def clean_env(monkeypatch):
    for name in [n for n in os.environ if n.startswith("GPECT_") and n != "GPECT_OPENDATA"]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_every_setting_is_declared_with_a_label_a_doc_and_a_default_inside_its_bound():
    for name, spec in st.SPECS.items():
        field = st.Variables.model_fields[name]
        assert spec.label_fr.strip() and field.description.strip(), name
        assert "\n" not in field.description, name
        if spec.bound is not None:
            default = field.default
            assert spec.bound.low <= default <= spec.bound.high, name
            assert not spec.bound.integer or float(default).is_integer(), name


def test_the_parameters_are_the_model_and_shortlist_sections_under_distinct_names():
    model = {n for n, s in st.SPECS.items() if s.section == st.MODEL}
    shortlist = {n for n, s in st.SPECS.items() if s.section == st.SHORTLIST}
    assert set(st.MODEL_DEFAULTS) == model
    assert {f"shortlist_{n}" for n in st.SHORTLIST_DEFAULTS} == shortlist
    # a name in both sections would give the build's catalogue the wrong label
    assert len(st.PARAMETER_FIELDS) == len(model) + len(shortlist)


def test_score_weights_are_grouped_and_a_dirichlet_concentration_is_not_a_weight():
    def group(name):
        return st.SPECS[name].bound.group if st.SPECS[name].bound else None

    assert {n for n in st.SPECS if group(n) == st.SECTOR_SCORE} == {
        "weight_specialisation",
        "weight_difficulty",
        "weight_supply_gap",
        "weight_market",
    }
    assert {n for n in st.SPECS if group(n) == st.SHORTLIST_SCORE} == {
        f"shortlist_{n}" for n in st.SHORTLIST_DEFAULTS if n.startswith("weight_")
    }


def test_defaults_load_into_complete_parameter_dicts(clean_env):
    cfg = st.load()
    assert cfg.model == {k: float(v) for k, v in st.MODEL_DEFAULTS.items()}
    assert cfg.shortlist == {k: float(v) for k, v in st.SHORTLIST_DEFAULTS.items()}
    assert cfg.build_parameters == {**cfg.model, "turnkey_learners": 80.0}
    assert cfg.http.retries == 4 and cfg.http.max_bytes == 500 * 2**20
    assert (cfg.task_runner, cfg.task_workers, cfg.lock_timeout) == ("thread", 4, 600.0)
    assert cfg.warehouse == cfg.data_dir / "gpect.duckdb"


def test_environment_values_reach_the_settings(clean_env, tmp_path):
    clean_env.setenv("GPECT_DATA_DIR", str(tmp_path))
    clean_env.setenv("GPECT_SPEED_KMH", " 50 ")
    clean_env.setenv("GPECT_SHORTLIST_TURNKEY_LEARNERS", "90")
    clean_env.setenv("GPECT_HTTP_RETRIES", "2")
    clean_env.setenv("GPECT_TASK_RUNNER", "dask ")
    clean_env.setenv("GPECT_SITE_URL", "")  # empty is unset
    cfg = st.load()
    assert cfg.data_dir == tmp_path and cfg.raw_dir == tmp_path / "raw"
    assert cfg.model["speed_kmh"] == 50.0
    assert cfg.build_parameters["turnkey_learners"] == 90.0
    assert cfg.shortlist["turnkey_learners"] == 90.0
    assert cfg.http.retries == 2
    assert cfg.task_runner == "dask" and cfg.site_url is None


def test_settings_survive_pickling_and_are_immutable(clean_env):
    """Dask workers receive the settings the flow validated, never their own environment."""
    cfg = st.load()
    again = pickle.loads(pickle.dumps(cfg))
    assert again == cfg and again.http == cfg.http and again.shortlist == cfg.shortlist
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.data_dir = cfg.data_dir / "elsewhere"  # type: ignore[misc]


def test_with_overrides_replaces_what_is_given_and_keeps_the_rest(clean_env, tmp_path):
    cfg = st.load()
    changed = cfg.with_overrides(data_dir=tmp_path, mirror=None, lock_timeout=5.0)
    assert changed.data_dir == tmp_path and changed.lock_timeout == 5.0
    assert changed.mirror == cfg.mirror  # None keeps the setting (an option not given)
    assert changed.model == cfg.model and cfg.data_dir != tmp_path


def test_foreign_variables_are_not_typos(clean_env, tmp_path):
    clean_env.setenv("GPECT_CHECKOUT", str(tmp_path / "checkout"))
    clean_env.setenv("GPECT_AXE_DIR", str(tmp_path / "axe"))
    assert st.load().task_runner == "thread"


def test_the_catalogue_labels_every_build_parameter_and_refuses_an_undeclared_one(clean_env):
    rows = parameters.catalogue(st.load().build_parameters)
    by_name = {r[0]: r for r in rows}
    assert set(by_name) == set(st.MODEL_DEFAULTS) | {"turnkey_learners"}
    assert by_name["speed_kmh"][1:4] == (60.0, "km/h", "Vitesse moyenne supposée")
    assert by_name["turnkey_learners"][3].startswith("Apprenants du concept « clef en main »")
    with pytest.raises(ValueError, match="build parameter 'walking_speed' is not declared"):
        parameters.catalogue({"walking_speed": 4})


def test_the_readme_settings_table_is_generated_from_the_declaration():
    readme = st.README.read_text(encoding="utf-8")
    assert readme == st.readme_with_table(readme), (
        f"README.md's settings table is out of date: run `{st.REGENERATE}`"
    )
    assert "| `GPECT_SHORTLIST_DRAWS` | 2000 |  | whole, 1 to 1000000 |" in readme
    assert "| `GPECT_SPEED_KMH` | 60 | km/h | 5 to 130 | average road speed |" in readme


def test_a_readme_without_the_markers_is_refused():
    with pytest.raises(st.SettingsError, match="no <!-- settings:start -->"):
        st.readme_with_table("# gpect\n")


@pytest.mark.parametrize(
    ("text", "value"), [(" 3 ", 3.0), ("-0", 0.0), ("+2.5", 2.5), ("1e1", 10.0), (".5", 0.5)]
)
def test_numbers_are_read_after_trimming_spaces(text, value):
    got = st.parse_number("GPECT_X", text, st.Bound(0, 100))
    assert got == value and str(got) != "-0.0"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1e400", "not a finite number"),
        ("nan", "got 'nan'"),
        ("inf", "got 'inf'"),
        ("-inf", "got '-inf'"),
        ("abc", "got 'abc'"),
        ("1_000", "got '1_000'"),
        ("0x10", "got '0x10'"),
        ("0,5", "use a decimal point"),
        ("", "got ''"),
        ("101", "got '101'"),
        ("-1", "got '-1'"),
    ],
)
def test_bad_numbers_name_the_variable_and_its_range(text, why):
    with pytest.raises(st.SettingsError) as error:
        st.parse_number("GPECT_X", text, st.Bound(0, 100))
    assert str(error.value).startswith("GPECT_X must be a number from 0 to 100, got")
    assert why in str(error.value)


def test_whole_numbers_are_required_where_declared():
    bound = st.SPECS["shortlist_top_sectors"].bound
    with pytest.raises(st.SettingsError, match="must be a whole number from 1 to 50, got '2.5'"):
        st.parse_number("GPECT_SHORTLIST_TOP_SECTORS", "2.5", bound)
    assert st.parse_number("N", "3.0", st.Bound(1, 5, integer=True)) == 3.0
    assert st.Bound(1, 1e6, integer=True).describe() == "a whole number from 1 to 1000000"
