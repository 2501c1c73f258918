"""Pure pieces of the town report: French formatting, chart functions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reports import charts, content, fmt


@pytest.mark.parametrize(
    "value, expected",
    [
        (1234.5, "1\u00a0234"),
        (0, "0"),
        (None, "n.d."),
        (float("nan"), "n.d."),
        (pd.NA, "n.d."),
    ],
)
def test_numbers_in_french(value, expected):
    assert fmt.number(value) == expected


def test_percent_euros_levels_and_years():
    assert fmt.percent(0.0982, 1) == "9,8\u00a0%"
    assert fmt.euros(20550) == "20\u00a0550\u00a0€"
    assert fmt.level(5) == "niveau 5 (bac+2, BTS)"
    assert fmt.year(2024.0) == "2024"
    assert fmt.tension(None) == "n.d." and fmt.tension(4.0) == "4/5"


def waves(years) -> pd.DataFrame:
    rows = []
    for i, year in enumerate(years):
        for code, label, hiring, broken in (
            ("SANTE", "Santé", 90.0 - 10 * i, False),
            ("LOGI", "<b>Logistique</b>", 10.0 + 35 * i, True),
        ):
            rows.append(
                {
                    "survey_year": year,
                    "sector_code": code,
                    "sector_label": label,
                    "hiring_projects": hiring,
                    "is_trend_break_affected": broken,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("years", [[2024], [2023, 2024, 2025], [2019, 2020, 2021, 2022, 2023]])
def test_evolution_chart_has_one_trace_per_wave_whatever_their_number(years):
    fig = charts.hiring_waves(waves(years), "†")
    markers = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in markers] == [f"BMO {y}" for y in years]
    assert len({t.marker.color for t in markers}) == len(years)
    # Sorted by the latest wave, largest at the top (plotly draws categories bottom-up); the
    # break-affected sector is marked, and its label escaped.
    logistique, sante = 10.0 + 35 * (len(years) - 1), 90.0 - 10 * (len(years) - 1)
    expected = ["&lt;b&gt;Logistique&lt;/b&gt; †", "Santé"]
    assert list(markers[-1].y) == (expected if logistique < sante else expected[::-1])


def test_wave_colours_go_from_light_to_dark():
    assert charts.wave_colours(3) == ["rgb(170, 190, 210)", "rgb(95, 125, 160)", "rgb(20, 60, 110)"]
    assert charts.wave_colours(1) == ["rgb(20, 60, 110)"]


def test_catchment_map_draws_bands_town_and_sites_on_plain_axes():
    communes = pd.DataFrame(
        {
            "commune_code": ["A", "B", "C"],
            "commune_label": ["Ville", "Près", "<i>Loin</i>"],
            "travel_minutes": [0.0, 12.0, 25.0],
            "population": [1000.0, 200.0, 50.0],
            "latitude": [60.0, 60.1, 60.2],
            "longitude": [10.0, 10.1, 10.2],
        }
    )
    sites = pd.DataFrame(
        {
            "commune_label": ["Près"],
            "travel_minutes": [12.0],
            "latitude": [60.1],
            "longitude": [10.1],
            "places": [100.0],
            "lycee_pro_places": [60.0],
            "bts_places": [40.0],
            "higher_education_students": [0.0],
        }
    )
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]
    rings = {"A": [square], "B": [square, square], "C": [square]}
    fig = charts.catchment_map("A", "Ville", communes, sites, rings, (10, 20))
    bands = fig.data[:3]
    assert [b.x.count(None) for b in bands] == [1, 2, 1]
    assert fig.data[3].name == "Commune de Ville"
    assert "&lt;i&gt;Loin&lt;/i&gt;" in fig.data[4].hovertext[2]
    assert fig.data[5].name.startswith("Site de formation")
    # The town's name is an annotation offset from its star, in a box: never over the marker.
    assert fig.data[6].mode == "markers" and fig.data[6].marker.symbol == "star"
    (label,) = fig.layout.annotations
    assert label.text == "Ville" and (label.x, label.y) == (10.0, 60.0)
    assert label.xanchor == "left" and label.yanchor == "bottom"
    assert label.xshift >= 8 and label.yshift >= 8 and label.bgcolor
    assert fig.layout.yaxis.scaleanchor == "x"
    assert math.isclose(fig.layout.yaxis.scaleratio, 1 / math.cos(math.radians(60.1)))
    # No geo subplot: plotly.js would fetch its world topojson from a CDN.
    assert not any(t.type in ("scattergeo", "choropleth", "choroplethmap") for t in fig.data)


def test_gap_chart_stacks_the_four_weighted_components_rank_one_on_top():
    ranking = pd.DataFrame(
        {
            "rank": [1, 2],
            "sector_label": ["A", "B"],
            "score": [1.0, -0.2],
            "contribution_specialisation": [0.5, -0.1],
            "contribution_difficulty": [0.1, 0.0],
            "contribution_supply_gap": [0.2, -0.1],
            "contribution_market": [0.2, 0.0],
        }
    )
    fig = charts.sector_gaps(ranking)
    assert fig.layout.barmode == "relative"
    assert [t.name for t in fig.data[:4]] == list(charts.COMPONENT_LABELS.values())
    assert list(fig.data[4].y) == ["2. B", "1. A"]
    assert list(fig.data[4].x) == [-0.2, 1.0]


def row(**changes) -> dict:
    base = {
        "location_quotient_shrunk": 1.8,
        "location_quotient_low": 1.2,
        "location_quotient_high": 2.6,
        "difficulty_rate_shrunk": 0.62,
        "national_difficulty_rate": 0.48,
        "accessible_places_per_1000": 0.1,
        "national_median_places_per_1000": 0.45,
        "annual_hiring_projects": 420.0,
        "minimum_market_projects": 106.67,
        "tension_class": 4.0,
        "reason_codes": None,
        "exclusion_code": None,
    }
    return base | changes


@pytest.mark.parametrize(
    "code, expected",
    [
        (
            "specialisation",
            "spécialisation : 1,80 fois la part nationale des projets de recrutement "
            "(intervalle 1,20–2,60)",
        ),
        ("difficulty", "difficulté : 62\u00a0% des projets jugés difficiles (France 48\u00a0%)"),
        (
            "supply_gap",
            "offre accessible : 0,10 place pour 1\u00a0000 habitants de 15–64 ans "
            "(médiane nationale 0,45)",
        ),
        ("market", "marché : 420 projets par an, au-delà du minimum de 107 pour une cohorte"),
        ("tension", "tension officielle 4/5"),
    ],
)
def test_each_reason_code_is_worded_with_its_figures(code, expected):
    assert content.reason_sentence(code, row()) == expected


def test_difficulty_reason_gains_a_decimal_when_whole_percents_tie():
    sentence = content.reason_sentence(
        "difficulty", row(difficulty_rate_shrunk=0.362, national_difficulty_rate=0.3581)
    )
    assert sentence == "difficulté : 36,2\u00a0% des projets jugés difficiles (France 35,8\u00a0%)"


def test_reasons_follow_the_mart_order_and_unknown_codes_fail():
    codes = np.array(["market", "tension"])  # DuckDB's LIST arrives as a numpy array
    assert content.reasons(row(reason_codes=codes)) == [
        "marché : 420 projets par an, au-delà du minimum de 107 pour une cohorte",
        "tension officielle 4/5",
    ]
    assert content.reasons(row(reason_codes=np.array([], dtype=object))) == []
    assert content.reasons(row(reason_codes=None)) == []
    with pytest.raises(ValueError, match="unknown reason code 'volume'"):
        content.reason_sentence("volume", row())
    # "place" is singular below 2, as in French.
    assert "2,50 places pour" in content.reason_sentence(
        "supply_gap", row(accessible_places_per_1000=2.5)
    )


@pytest.mark.parametrize(
    "code, expected",
    [
        (None, ""),
        ("outside_catalogue", "hors catalogue de l'opérateur"),
        (
            "market_too_small",
            "marché trop petit pour une cohorte : 50 projets par an, minimum 107",
        ),
        ("unreadable", "trop peu de projets pour être lu (50 par an)"),
    ],
)
def test_exclusions_are_worded(code, expected):
    assert content.exclusion_sentence(row(exclusion_code=code, annual_hiring_projects=50.0)) == (
        expected
    )


def test_tied_sectors_read_with_ou_and_groups_follow_the_tie_groups():
    assert content.join_tied(["A"]) == "A"
    assert content.join_tied(["A", "B"]) == "A ou B"
    assert content.join_tied(["A, a", "B", "C"]) == "A, a ou B ou C"
    rows = [{"tie_group": g, "n": i} for i, g in enumerate([1.0, 1.0, 2.0, 3.0, 3.0])]
    groups = content.tied_groups(rows)
    assert [[r["n"] for r in g] for g in groups] == [[0, 1], [2], [3, 4]]
    # Sectors without a tie group (no interval) are never merged.
    assert len(content.tied_groups([{"tie_group": None}, {"tie_group": None}])) == 2


@pytest.mark.parametrize(
    "low, high, expected",
    [(1.0, 3.0, "1–3"), (5.0, 6.05, "5–6"), (2.0, 2.0, "2"), (None, 3, "n.d.")],
)
def test_rank_intervals_are_whole_ranks(low, high, expected):
    assert content.rank_interval(low, high) == expected


def test_negative_zero_is_zero():
    assert fmt.number(-0.0003, 2) == "0,00" and fmt.number(-0.4) == "0"
    assert fmt.number(-0.006, 2) == "-0,01"


def test_point_labels_are_short_names():
    assert charts.point_label("Bâtiment et travaux publics") == "Bâtiment"
    assert charts.point_label("Communication, culture, sport et animation") == "Communication"
    assert charts.point_label("Santé") == "Santé"
    # Never cut: a long name goes on two lines.
    assert charts.point_label("Maintenance industrielle automobile") == (
        "Maintenance industrielle<br>automobile"
    )


def test_labels_wrap_instead_of_being_cut():
    label = "Production industrielle et industrie du futur, et de demain <b>"
    assert (
        charts.wrap(label, 30)
        == "Production industrielle et<br>industrie du futur, et de<br>demain &lt;b&gt;"
    )
    assert "…" not in charts.wrap("x" * 80, 30) and charts.wrap("x" * 80, 30) == "x" * 80


def test_labels_of_two_close_points_go_to_different_sides():
    # The lower point's label goes below it, off the upper marker; the upper one's above.
    close = [(0.5, 0.5, 10.0, "Alpha"), (0.5, 0.53, 10.0, "Beta")]
    assert charts.place_labels(close) == ["bottom center", "top center"]
    assert charts.place_labels([(0.5, 0.5, 10.0, "Seul")]) == ["top center"]
    # A point at the right edge does not put its label outside the plot.
    (edge,) = charts.place_labels([(0.99, 0.5, 10.0, "Longue étiquette")])
    assert "right" not in edge


def test_catalogue_notes_never_hide_a_need_outside_the_catalogue():
    outside = {
        "suggested_level": 5,
        "is_in_operator_catalogue": False,
        "operator_can_deliver_level": False,
        "operator_levels": None,
        "is_partner_need": True,
    }
    assert content.catalogue_note(outside).startswith("Hors catalogue")
    assert content.catalogue_flag(outside) == "non"
    partial = outside | {"is_in_operator_catalogue": True, "operator_levels": "6"}
    assert content.catalogue_flag(partial) == "oui, niveaux 6 seulement"
    assert "pas au niveau 5" in content.catalogue_note(partial)
