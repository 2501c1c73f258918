"""Pure pieces of the town report: French formatting, name matching, chart functions."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reports import charts, content, fmt
from reports.data import normalise_name


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


@pytest.mark.parametrize(
    "name", ["Château-Thierry", "CHATEAU THIERRY", " château  thierry ", "Chateau_Thierry"]
)
def test_names_match_without_accents_case_or_punctuation(name):
    assert normalise_name(name) == "chateau thierry"


def test_oe_ligature_matches_oe():
    assert normalise_name("Œuilly") == normalise_name("Oeuilly")


def hiring() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "survey_year": [2023, 2023, 2024, 2024],
            "sector_label": ["Santé", "<b>Logistique</b>", "Santé", "<b>Logistique</b>"],
            "hiring_projects": [90.0, 10.0, 20.0, 80.0],
        }
    )


def test_hiring_chart_has_one_bar_per_vintage_sorted_by_the_latest():
    fig = charts.hiring_by_sector(hiring())
    assert [t.name for t in fig.data] == ["BMO 2023", "BMO 2024"]
    # Horizontal bars are drawn bottom-up: the largest sector of 2024 comes last (top).
    assert list(fig.data[1].y) == ["Santé", "&lt;b&gt;Logistique&lt;/b&gt;"]
    assert list(fig.data[1].x) == [20.0, 80.0] and list(fig.data[0].x) == [90.0, 10.0]


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
    assert fig.data[6].text == ("Ville",)
    assert fig.layout.yaxis.scaleanchor == "x"
    assert math.isclose(fig.layout.yaxis.scaleratio, 1 / math.cos(math.radians(60.1)))
    # No geo subplot: plotly.js would fetch its world topojson from a CDN.
    assert not any(t.type in ("scattergeo", "choropleth", "choroplethmap") for t in fig.data)


def test_gap_chart_stacks_the_three_weighted_components_rank_one_on_top():
    ranking = pd.DataFrame(
        {
            "rank": [1, 2],
            "sector_label": ["A", "B"],
            "score": [1.0, -0.2],
            "contribution_demand_pressure": [0.5, -0.1],
            "contribution_volume_intensity": [0.3, 0.0],
            "contribution_supply_gap": [0.2, -0.1],
        }
    )
    fig = charts.sector_gaps(ranking)
    assert fig.layout.barmode == "relative"
    assert [t.name for t in fig.data[:3]] == list(charts.COMPONENT_LABELS.values())
    assert list(fig.data[3].y) == ["2. B", "1. A"]
    assert list(fig.data[3].x) == [-0.2, 1.0]


def test_catalogue_notes_never_hide_a_need_outside_the_catalogue():
    row = {
        "suggested_level": 5,
        "is_in_operator_catalogue": False,
        "operator_can_deliver_level": False,
        "operator_levels": None,
        "score": 0.8,
    }
    assert content.catalogue_note(row).startswith("Hors catalogue")
    assert content.catalogue_flag(row) == "hors catalogue : besoin signalé"
    row |= {"is_in_operator_catalogue": True, "operator_levels": "6"}
    assert content.catalogue_flag(row) == "oui, niveaux 6 seulement"
    assert "pas au niveau 5" in content.catalogue_note(row)
