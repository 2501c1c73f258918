"""Charts of the town report: pure functions from query results to plotly figures (the same
figure is drawn by plotly.js in the site and exported to SVG for the PDF).

Every text taken from the data goes through `text()`: plotly.js reads a few HTML tags in labels,
so data is HTML-escaped first and shows literally.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go

from reports import fmt
from reports.geo import Ring

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
COMPONENT_COLOURS = {
    "contribution_demand_pressure": "#b03a2e",
    "contribution_volume_intensity": "#2e86c1",
    "contribution_supply_gap": "#d68910",
}
COMPONENT_LABELS = {
    "contribution_demand_pressure": "Pression des recrutements difficiles",
    "contribution_volume_intensity": "Volume et intensité des recrutements",
    "contribution_supply_gap": "Écart à l'offre de formation",
}
LEVEL_COLOURS = {3: "#c6dbef", 4: "#6baed6", 5: "#2171b5", 6: "#08306b"}
YEAR_COLOURS = ("#aab7c4", "#1f4e79")
BAND_COLOURS = ("#1f6f8b", "#64a8c0", "#c5e0ea")
LABEL_CHARS = 48


def text(value) -> str:
    return html.escape(str(value), quote=False)


def short(value, limit: int = LABEL_CHARS) -> str:
    raw = str(value)
    return text(raw if len(raw) <= limit else raw[: limit - 1].rstrip() + "…")


def _figure() -> go.Figure:
    # An empty template: plotly.js defaults (white, light grid) suit the report, and copying a
    # named template costs ~60 ms per figure and ~8 kB of JSON per chart.
    return go.Figure(layout={"template": {}})


def _layout(fig: go.Figure, height: int, **extra) -> go.Figure:
    settings = {
        "height": height,
        "font": {"family": FONT, "size": 12, "color": "#222"},
        "separators": ", ",
        "margin": {"l": 10, "r": 20, "t": 30, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    }
    fig.update_layout(**{**settings, **extra})
    fig.update_xaxes(gridcolor="#e5e8ec", zerolinecolor="#8a94a3")
    fig.update_yaxes(automargin=True, gridcolor="#e5e8ec")
    return fig


def _bar_height(rows: int, per_row: int = 24) -> int:
    return max(220, 110 + per_row * rows)


def catchment_map(
    town_code: str,
    town_label: str,
    communes: pd.DataFrame,
    sites: pd.DataFrame,
    rings: dict[str, list[Ring]],
    band_minutes: tuple[float, float],
) -> go.Figure:
    """Catchment communes shaded by travel-time band, the town outlined, training sites sized by
    their places. Plain axes with the latitude's aspect ratio: no tiles, no topojson."""
    fig = _figure()
    first, second = band_minutes
    bands = [
        (f"moins de {fmt.number(first)} min", communes["travel_minutes"] < first),
        (
            f"{fmt.number(first)} à {fmt.number(second)} min",
            (communes["travel_minutes"] >= first) & (communes["travel_minutes"] < second),
        ),
        (f"{fmt.number(second)} min et plus", communes["travel_minutes"] >= second),
    ]
    for (label, mask), colour in zip(bands, BAND_COLOURS, strict=True):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for code in communes.loc[mask, "commune_code"]:
            for ring in rings.get(code, []):
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
                xs.append(None)
                ys.append(None)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line={"color": "white", "width": 0.6},
                name=f"Communes à {label}",
                hoverinfo="skip",
            )
        )
    outline_x: list[float | None] = []
    outline_y: list[float | None] = []
    for ring in rings.get(town_code, []):
        outline_x.extend([p[0] for p in ring] + [None])
        outline_y.extend([p[1] for p in ring] + [None])
    fig.add_trace(
        go.Scatter(
            x=outline_x,
            y=outline_y,
            mode="lines",
            line={"color": "#111", "width": 2.2},
            name=f"Commune de {text(town_label)}",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=communes["longitude"],
            y=communes["latitude"],
            mode="markers",
            marker={"size": 5, "color": "rgba(0,0,0,0.25)"},
            name="Chef-lieu de commune",
            hovertext=[
                f"{text(r.commune_label)}<br>{fmt.minutes(r.travel_minutes)} · "
                f"{fmt.number(r.population)} hab."
                for r in communes.itertuples()
            ],
            hoverinfo="text",
            showlegend=False,
        )
    )
    if not sites.empty:
        biggest = float(sites["places"].max())
        fig.add_trace(
            go.Scatter(
                x=sites["longitude"],
                y=sites["latitude"],
                mode="markers",
                marker={
                    "size": [8 + 30 * math.sqrt(p / biggest) for p in sites["places"]],
                    "color": "rgba(214,137,16,0.75)",
                    "line": {"color": "#7e5109", "width": 1},
                },
                name="Site de formation (taille : places)",
                hovertext=[
                    f"{text(r.commune_label)} : {fmt.number(r.places)} places<br>"
                    f"lycée pro {fmt.number(r.lycee_pro_places)} · BTS {fmt.number(r.bts_places)}"
                    f" · supérieur {fmt.number(r.higher_education_students)}"
                    for r in sites.itertuples()
                ],
                hoverinfo="text",
            )
        )
    centre = communes.loc[communes["commune_code"] == town_code]
    if not centre.empty:
        fig.add_trace(
            go.Scatter(
                x=centre["longitude"],
                y=centre["latitude"],
                mode="markers+text",
                marker={"symbol": "star", "size": 16, "color": "#b03a2e"},
                text=[text(town_label)],
                textposition="top right",
                textfont={"size": 13, "color": "#111"},
                name=text(town_label),
                hoverinfo="text",
                hovertext=[text(town_label)],
            )
        )
    latitude = float(communes["latitude"].mean()) if not communes.empty else 46.5
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(
        visible=False,
        scaleanchor="x",
        # One degree of latitude is 1/cos(latitude) times longer than one of longitude.
        scaleratio=1 / math.cos(math.radians(latitude)),
    )
    return _layout(
        fig,
        560,
        margin={"l": 5, "r": 5, "t": 40, "b": 5},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": 11}},
        plot_bgcolor="white",
    )


def hiring_by_sector(hiring: pd.DataFrame) -> go.Figure:
    """Hiring projects by sector, one bar per BMO vintage; sectors sorted by the latest vintage."""
    years = sorted(hiring["survey_year"].unique())
    latest = hiring[hiring["survey_year"] == years[-1]].sort_values("hiring_projects")
    order = list(latest["sector_label"])
    order += [s for s in hiring["sector_label"].unique() if s not in order]
    fig = _figure()
    for year, colour in zip(years, YEAR_COLOURS[-len(years) :], strict=True):
        rows = hiring[hiring["survey_year"] == year].set_index("sector_label").reindex(order)
        fig.add_trace(
            go.Bar(
                y=[short(s) for s in order],
                x=rows["hiring_projects"],
                orientation="h",
                name=f"BMO {year}",
                marker_color=colour,
                hovertemplate="%{y} : %{x:,.0f} projets<extra>BMO " + str(year) + "</extra>",
            )
        )
    fig.update_xaxes(title_text="projets de recrutement dans la zone")
    return _layout(fig, _bar_height(len(order), 30), barmode="group")


def metier_bars(metiers: pd.DataFrame, column: str, axis_title: str, colour: str) -> go.Figure:
    """Top métiers as horizontal bars, largest at the top."""
    rows = metiers.iloc[::-1]
    fig = _figure()
    fig.add_trace(
        go.Bar(
            y=[short(m) for m in rows["metier_label"]],
            x=rows[column],
            orientation="h",
            marker_color=colour,
            customdata=[
                [text(r.metier_label), text(r.sector_label), fmt.percent(r.difficulty_rate_shrunk)]
                for r in rows.itertuples()
            ],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>%{x:,.0f} "
            + text(axis_title)
            + " · difficulté %{customdata[2]}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=axis_title)
    return _layout(fig, _bar_height(len(rows)), showlegend=False)


def supply_by_level(supply: pd.DataFrame) -> go.Figure:
    """Training places in the catchment by sector, stacked by qualification level."""
    totals = supply.groupby("sector_label")["places"].sum().sort_values()
    order = list(totals.index)
    fig = _figure()
    for lvl in sorted(supply["qualification_level"].unique()):
        rows = (
            supply[supply["qualification_level"] == lvl]
            .groupby("sector_label")["places"]
            .sum()
            .reindex(order)
        )
        fig.add_trace(
            go.Bar(
                y=[short(s) for s in order],
                x=rows.values,
                orientation="h",
                name=fmt.level(lvl),
                marker_color=LEVEL_COLOURS.get(int(lvl), "#999"),
                hovertemplate="%{y} : %{x:,.0f} places<extra>" + fmt.level(lvl) + "</extra>",
            )
        )
    fig.update_xaxes(title_text="places de formation dans la zone")
    return _layout(
        fig,
        _bar_height(len(order)),
        barmode="stack",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "traceorder": "normal"},
    )


def accessibility(access: pd.DataFrame) -> go.Figure:
    """Accessible places per 1,000 working-age residents: the town against the national median."""
    rows = access.iloc[::-1]
    labels = [
        short(r.sector_label) + (" *" if r.is_supply_data_thin else "") for r in rows.itertuples()
    ]
    fig = _figure()
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=rows["national_median_per_1000"],
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 16, "color": "#555", "line": {"width": 2}},
            name="Médiane des communes françaises",
            hovertemplate="%{y} : médiane %{x:.2f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=rows["accessible_places_per_1000"],
            mode="markers",
            marker={"size": 10, "color": "#2171b5"},
            name="Ville",
            hovertemplate="%{y} : %{x:.2f} place pour 1 000 hab.<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="places accessibles pour 1 000 habitants de 15 à 64 ans")
    return _layout(fig, _bar_height(len(rows)))


def sector_gaps(ranking: pd.DataFrame) -> go.Figure:
    """Score of every sector split into its three weighted components; rank 1 at the top."""
    rows = ranking.sort_values("rank", ascending=False)
    labels = [f"{r.rank}. {short(r.sector_label, 40)}" for r in rows.itertuples()]
    fig = _figure()
    for column, label in COMPONENT_LABELS.items():
        fig.add_trace(
            go.Bar(
                y=labels,
                x=rows[column],
                orientation="h",
                name=label,
                marker_color=COMPONENT_COLOURS[column],
                hovertemplate="%{y} : %{x:.2f}<extra>" + label + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=rows["score"],
            mode="markers",
            marker={"symbol": "diamond", "size": 9, "color": "#111"},
            name="Score",
            hovertemplate="%{y} : score %{x:.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="contribution au score (écarts-types pondérés)", zeroline=True)
    return _layout(fig, _bar_height(len(rows)), barmode="relative")
