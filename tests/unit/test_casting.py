"""Given/expect for the typing rules every parser shares."""

from __future__ import annotations

import pandas as pd

from connectors.parse import cast_column


def cast(values, dtype, decimal="."):
    return cast_column(pd.Series(values, dtype="string"), dtype, decimal)


def test_secret_cells_become_null_with_a_flag_never_zero_or_one():
    out, bad, secret = cast(["12", "*", "0", " * ", None], "secret_count")
    assert out.tolist()[0] == 12 and out.tolist()[2] == 0
    assert out.isna().tolist() == [False, True, False, True, True]
    assert secret.tolist() == [False, True, False, True, False]
    assert not bad.any()


def test_counts_reject_negative_and_fractional_values():
    out, bad, _ = cast(["-3", "2.5", "7"], "count")
    assert bad.tolist() == [True, True, False]
    assert out.tolist()[2] == 7


def test_decimal_comma_and_thousands_spaces():
    out, bad, _ = cast(["16,61538462", "1 234,5", "1\u202f000", ""], "float", decimal=",")
    assert out.tolist()[:3] == [16.61538462, 1234.5, 1000.0]
    assert pd.isna(out.tolist()[3]) and not bad.any()


def test_codes_keep_leading_zeros():
    communes, bad, _ = cast(["1001", "01001", "2A004", "75056", "1001.0"], "commune")
    assert communes.tolist() == ["01001", "01001", "2A004", "75056", "01001"]
    assert not bad.any()
    bassins, _, _ = cast(["101", "8457", "0203"], "bassin")
    assert bassins.tolist() == ["0101", "8457", "0203"]


def test_departements_are_two_or_three_characters():
    out, bad, _ = cast(["1", "01", "001", "02A", "2B", "971", "974"], "departement")
    assert out.tolist() == ["01", "01", "01", "2A", "2B", "971", "974"]
    assert not bad.any()


def test_malformed_codes_are_flagged_not_silently_kept():
    out, bad, _ = cast(["7505", "ABCDE", "123456"], "commune")
    assert bad.tolist() == [False, True, True]
    assert out.tolist()[0] == "07505"


def test_integers_reject_text():
    out, bad, _ = cast(["12", "NC", ""], "int")
    assert bad.tolist() == [False, True, False]


def test_booleans():
    out, bad, _ = cast(["1", "0", "Oui", "non", "maybe", None], "bool")
    assert out.tolist()[:4] == [True, False, True, False]
    assert bad.tolist() == [False, False, False, False, True, False]


def test_a_star_outside_secret_columns_is_rejected_not_flagged():
    out, bad, secret = cast(["12", "*"], "count")
    assert secret is None
    assert bad.tolist() == [False, True]


def test_absent_column_keeps_its_declared_type():
    out, _, _ = cast([None, None], "count")
    assert str(out.dtype) == "Int64"
