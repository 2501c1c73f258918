"""Every setting has a declared range, and values are parsed strictly (pure, no data needed)."""

from __future__ import annotations

import pytest

from flows.pipeline import settings as st
from reports.shortlist import DEFAULT_PARAMETERS


def test_every_model_setting_has_a_bound_that_holds_its_default():
    """A setting added to MODEL_DEFAULTS without its line in MODEL_BOUNDS fails here."""
    assert set(st.MODEL_BOUNDS) == set(st.MODEL_DEFAULTS)
    for name, default in st.MODEL_DEFAULTS.items():
        bound = st.MODEL_BOUNDS[name]
        assert bound.low <= default <= bound.high, name
        assert not bound.integer or float(default).is_integer(), name


def test_every_shortlist_setting_has_a_bound_that_holds_its_default():
    assert set(st.SHORTLIST_BOUNDS) == set(DEFAULT_PARAMETERS)
    for name, default in DEFAULT_PARAMETERS.items():
        bound = st.SHORTLIST_BOUNDS[name]
        assert bound.low <= default <= bound.high, name
        assert not bound.integer or float(default).is_integer(), name


def test_score_weights_are_grouped_and_a_dirichlet_concentration_is_not_a_weight():
    groups = {n for n, b in st.MODEL_BOUNDS.items() if b.group == st.SECTOR_SCORE}
    assert groups == {
        "weight_specialisation",
        "weight_difficulty",
        "weight_supply_gap",
        "weight_market",
    }
    assert {n for n, b in st.SHORTLIST_BOUNDS.items() if b.group} == {
        n for n in DEFAULT_PARAMETERS if n.startswith("weight_")
    }


def test_operation_defaults_are_inside_their_bounds():
    for variable, (default, bound) in st.OPERATION_BOUNDS.items():
        assert st.parse_number(variable, default, bound) == float(default)


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
    with pytest.raises(st.SettingsError, match="must be a whole number from 1 to 50, got '2.5'"):
        st.parse_number("GPECT_SHORTLIST_TOP_SECTORS", "2.5", st.SHORTLIST_BOUNDS["top_sectors"])
    assert st.parse_number("N", "3.0", st.Bound(1, 5, integer=True)) == 3.0
