"""Charts of the town report: pure functions from query results to plotly figures (the same
figure is drawn by plotly.js in the site and exported to SVG for the PDF).

Every text taken from the data goes through `text()`: plotly.js reads a few HTML tags in labels,
so data is HTML-escaped first and shows literally.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd

from reports import fmt
from reports.geo import Ring

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
COMPONENT_COLOURS = {
    "contribution_specialisation": "#2e86c1",
    "contribution_difficulty": "#b03a2e",
    "contribution_supply_gap": "#d68910",
    "contribution_market": "#239b56",
}
COMPONENT_LABELS = {
    "contribution_specialisation": "Spécialisation",
    "contribution_difficulty": "Difficulté de recrutement",
    "contribution_supply_gap": "Écart à l'offre de formation",
    "contribution_market": "Taille du marché",
}
LEVEL_COLOURS = {3: "#c6dbef", 4: "#6baed6", 5: "#2171b5", 6: "#08306b"}
# Waves from the oldest (light) to the latest (dark), for any number of waves.
WAVE_LIGHT, WAVE_DARK = (170, 190, 210), (20, 60, 110)
CATALOGUE_COLOURS = {True: "#1f4e79", False: "#d68910"}
BAND_COLOURS = ("#1f6f8b", "#64a8c0", "#c5e0ea")
LABEL_CHARS = 48


def text(value) -> str:
    return html.escape(str(value), quote=False)


def wrap(value, limit: int = LABEL_CHARS) -> str:
    """Escaped text broken into lines of at most `limit` characters at spaces (a longer word
    stays whole): labels are never cut, on screen or in the PDF."""
    lines: list[str] = []
    line = ""
    for word in str(value).split():
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(text(part) for part in lines)


class Node(dict):
    """A plotly JSON object read by attribute (`fig.layout.yaxis.scaleanchor`), absent keys
    reading as None."""

    def __getattr__(self, name):
        return self.get(name)


def _plain(value):
    """Plotly JSON values: nested Nodes, lists instead of pandas / numpy columns, None for NaN."""
    if isinstance(value, dict):
        return Node({k: _plain(v) for k, v in value.items()})
    if isinstance(value, pd.Series | pd.Index | np.ndarray | list | tuple):
        return [_plain(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def _merge(target: dict, extra: dict) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = _plain(value)


class Figure:
    """The figure as the plotly.js JSON it becomes, built without plotly.py's validation (which
    cost ~0.5 s per town page): the charts only use traces and layout keys plotly.js documents,
    and every page's figures share the base layout of `_layout`."""

    def __init__(self):
        self.data: list[Node] = []
        self.layout = Node()

    def add_trace(self, trace: Node) -> None:
        self.data.append(trace)

    def update_layout(self, **settings) -> None:
        _merge(self.layout, settings)

    def update_xaxes(self, **settings) -> None:
        _merge(self.layout, {"xaxis": settings})

    def update_yaxes(self, **settings) -> None:
        _merge(self.layout, {"yaxis": settings})

    def to_plotly_json(self) -> dict:
        return {"data": self.data, "layout": self.layout}


def trace(kind: str, **settings) -> Node:
    return _plain({"type": kind, **settings})


def _figure() -> Figure:
    # No template: plotly.js defaults (white, light grid) suit the report.
    return Figure()


def _layout(fig: Figure, height: int, **extra) -> Figure:
    settings = {
        "height": height,
        "font": {"family": FONT, "size": 12, "color": "#222"},
        "separators": ", ",
        "margin": {"l": 10, "r": 20, "t": 30, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    }
    fig.update_layout(**{**settings, **extra})
    fig.update_xaxes(gridcolor="#e5e8ec", zerolinecolor="#8a94a3", automargin=True)
    fig.update_yaxes(automargin=True, gridcolor="#e5e8ec")
    return fig


def _bar_height(rows: int, per_row: int = 24, labels: list[str] = ()) -> int:
    # A wrapped label takes ~14 px more per extra line.
    extra = sum(label.count("<br>") for label in labels)
    return max(220, 110 + per_row * rows + 14 * extra)


def catchment_map(
    town_code: str,
    town_label: str,
    communes: pd.DataFrame,
    sites: pd.DataFrame,
    rings: dict[str, list[Ring]],
    band_minutes: tuple[float, float],
) -> Figure:
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
            trace(
                "scatter",
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
        trace(
            "scatter",
            x=outline_x,
            y=outline_y,
            mode="lines",
            line={"color": "#111", "width": 2.2},
            name=f"Commune de {text(town_label)}",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        trace(
            "scatter",
            x=communes["longitude"],
            y=communes["latitude"],
            mode="markers",
            marker={"size": 5, "color": "rgba(0,0,0,0.25)"},
            name="Chef-lieu de commune",
            hovertext=[
                f"{text(r.commune_label)}<br>{fmt.minutes(r.travel_minutes)} · "
                f"{fmt.number(r.population)} hab."
                for r in fmt.rows(communes)
            ],
            hoverinfo="text",
            showlegend=False,
        )
    )
    if not sites.empty:
        biggest = float(sites["places"].max())
        fig.add_trace(
            trace(
                "scatter",
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
                    for r in fmt.rows(sites)
                ],
                hoverinfo="text",
            )
        )
    centre = communes.loc[communes["commune_code"] == town_code]
    if not centre.empty:
        fig.add_trace(
            trace(
                "scatter",
                x=centre["longitude"],
                y=centre["latitude"],
                mode="markers",
                marker={"symbol": "star", "size": 16, "color": "#b03a2e"},
                name=text(town_label),
                hoverinfo="text",
                hovertext=[text(town_label)],
            )
        )
        # The name sits in a white box offset up and right of the star (half its size is 8 px):
        # clear of the marker and readable over the shaded communes.
        fig.update_layout(
            annotations=[
                {
                    "x": float(centre["longitude"].iloc[0]),
                    "y": float(centre["latitude"].iloc[0]),
                    "text": text(town_label),
                    "showarrow": False,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "xshift": 9,
                    "yshift": 9,
                    "font": {"size": 13, "color": "#111"},
                    "bgcolor": "rgba(255,255,255,0.88)",
                    "bordercolor": "#111",
                    "borderwidth": 1,
                    "borderpad": 2,
                }
            ]
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
        margin={"l": 5, "r": 5, "t": 30, "b": 5},
        # Under the map: above it, the legend ran under the browser's chart toolbar.
        legend={"orientation": "h", "yanchor": "top", "y": 0, "x": 0, "font": {"size": 11}},
        plot_bgcolor="white",
    )


def wave_colours(count: int) -> list[str]:
    """`count` colours from light to dark: the latest wave stands out whatever the window."""
    if count == 1:
        return [f"rgb{WAVE_DARK}"]
    steps = [i / (count - 1) for i in range(count)]
    return [
        "rgb({}, {}, {})".format(
            *(round(a + (b - a) * t) for a, b in zip(WAVE_LIGHT, WAVE_DARK, strict=True))
        )
        for t in steps
    ]


def hiring_waves(waves: pd.DataFrame, break_mark: str) -> Figure:
    """Hiring projects of every sector in each BMO wave: one marker trace per wave on a line
    joining the sector's waves; largest sector of the latest wave at the top. Sectors whose trend
    the nomenclature break makes unreliable carry `break_mark`."""
    years = sorted(int(y) for y in waves["survey_year"].unique())
    wide = waves.pivot_table(
        index="sector_code", columns="survey_year", values="hiring_projects", aggfunc="sum"
    ).reindex(columns=years)
    wide = wide.sort_values(years[-1], na_position="first", kind="stable")
    meta = waves.drop_duplicates("sector_code").set_index("sector_code").reindex(wide.index)
    labels = [
        wrap(r.sector_label) + (f" {break_mark}" if r.is_trend_break_affected else "")
        for r in fmt.rows(meta)
    ]
    fig = _figure()
    span_x: list[float | None] = []
    span_y: list[str | None] = []
    for label, (_, row) in zip(labels, wide.iterrows(), strict=True):
        values = row.dropna()
        if len(values) > 1:
            span_x += [float(values.min()), float(values.max()), None]
            span_y += [label, label, None]
    fig.add_trace(
        trace(
            "scatter",
            x=span_x,
            y=span_y,
            mode="lines",
            line={"color": "#c3cbd5", "width": 3},
            hoverinfo="skip",
            showlegend=False,
            name="étendue",
        )
    )
    for year, colour in zip(years, wave_colours(len(years)), strict=True):
        fig.add_trace(
            trace(
                "scatter",
                y=labels,
                x=wide[year],
                mode="markers",
                marker={"size": 10, "color": colour, "line": {"color": "white", "width": 1}},
                name=f"BMO {year}",
                hovertemplate="%{y} : %{x:,.0f} projets<extra>BMO " + str(year) + "</extra>",
            )
        )
    fig.update_xaxes(title={"text": "projets de recrutement dans la zone"}, rangemode="tozero")
    fig.update_yaxes(categoryorder="array", categoryarray=labels)
    return _layout(fig, _bar_height(len(labels), 26, labels))


def metier_bars(metiers: pd.DataFrame, column: str, axis_title: str, colour: str) -> Figure:
    """Top métiers as horizontal bars, largest at the top."""
    rows = metiers.iloc[::-1]
    fig = _figure()
    fig.add_trace(
        trace(
            "bar",
            y=[wrap(m) for m in rows["metier_label"]],
            x=rows[column],
            orientation="h",
            marker_color=colour,
            customdata=[
                [text(r.metier_label), text(r.sector_label), fmt.percent(r.difficulty_rate_shrunk)]
                for r in fmt.rows(rows)
            ],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>%{x:,.0f} "
            + text(axis_title)
            + " · difficulté %{customdata[2]}<extra></extra>",
        )
    )
    fig.update_xaxes(title={"text": axis_title})
    return _layout(fig, _bar_height(len(rows), labels=fig.data[0].y), showlegend=False)


def supply_by_level(supply: pd.DataFrame) -> Figure:
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
            trace(
                "bar",
                y=[wrap(s) for s in order],
                x=rows.values,
                orientation="h",
                name=fmt.level(lvl),
                marker_color=LEVEL_COLOURS.get(int(lvl), "#999"),
                hovertemplate="%{y} : %{x:,.0f} places<extra>" + fmt.level(lvl) + "</extra>",
            )
        )
    fig.update_xaxes(title={"text": "places de formation dans la zone"})
    return _layout(
        fig,
        _bar_height(len(order), labels=[wrap(x) for x in order]),
        barmode="stack",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "traceorder": "normal"},
    )


def accessibility(access: pd.DataFrame) -> Figure:
    """Accessible places per 1,000 working-age residents: the town against the national median."""
    rows = access.iloc[::-1]
    labels = [
        wrap(r.sector_label) + (" *" if r.is_supply_data_thin else "") for r in fmt.rows(rows)
    ]
    fig = _figure()
    fig.add_trace(
        trace(
            "scatter",
            y=labels,
            x=rows["national_median_per_1000"],
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 16, "color": "#555", "line": {"width": 2}},
            name="Médiane des communes françaises",
            hovertemplate="%{y} : médiane %{x:.2f}<extra></extra>",
        )
    )
    fig.add_trace(
        trace(
            "scatter",
            y=labels,
            x=rows["accessible_places_per_1000"],
            mode="markers",
            marker={"size": 10, "color": "#2171b5"},
            name="Ville",
            hovertemplate="%{y} : %{x:.2f} place pour 1 000 hab.<extra></extra>",
        )
    )
    fig.update_xaxes(title={"text": "places accessibles pour 1 000 habitants de 15 à 64 ans"})
    return _layout(fig, _bar_height(len(rows), labels=labels))


def sector_gaps(ranking: pd.DataFrame) -> Figure:
    """Score of every sector split into its four weighted components; rank 1 at the top."""
    rows = ranking.sort_values("rank", ascending=False)
    labels = [f"{r.rank}. {wrap(r.sector_label)}" for r in fmt.rows(rows)]
    fig = _figure()
    for column, label in COMPONENT_LABELS.items():
        fig.add_trace(
            trace(
                "bar",
                y=labels,
                x=rows[column],
                orientation="h",
                name=label,
                marker_color=COMPONENT_COLOURS[column],
                hovertemplate="%{y} : %{x:.2f}<extra>" + label + "</extra>",
            )
        )
    fig.add_trace(
        trace(
            "scatter",
            y=labels,
            x=rows["score"],
            mode="markers",
            marker={"symbol": "diamond", "size": 9, "color": "#111"},
            name="Score",
            hovertemplate="%{y} : score %{x:.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(
        title={"text": "contribution au score (log du rapport à la référence nationale, pondéré)"},
        zeroline=True,
    )
    return _layout(fig, _bar_height(len(rows), labels=labels), barmode="relative")


# Label placement for the specialisation chart, in estimated pixels of its plot area.
PLOT_WIDTH, PLOT_HEIGHT = 800, 450
LABEL_CHAR_PX, LABEL_HEIGHT_PX = 5.6, 12
# plotly's textpositions: (horizontal, vertical) side of the marker the label sits on.
LABEL_POSITIONS = {
    "top center": (0, 1),
    "bottom center": (0, -1),
    "middle right": (1, 0),
    "middle left": (-1, 0),
    "top right": (1, 1),
    "top left": (-1, 1),
    "bottom right": (1, -1),
    "bottom left": (-1, -1),
}
LOG_TICKS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000)
QUOTIENT_TICKS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16)


def _overlap(a, b) -> float:
    dx = min(a[2], b[2]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[1], b[1])
    return dx * dy if dx > 0 and dy > 0 else 0.0


def _label_box(x: float, y: float, d: float, w: float, position: str, lines: int = 1):
    """Where plotly draws a label of width `w` at `position` of a marker of diameter `d` centred
    on (x, y) pixels, y upwards: beside the marker for "middle", else above or below it,
    centred or starting from the marker's centre."""
    side, level = LABEL_POSITIONS[position]
    h = LABEL_HEIGHT_PX * lines
    if level == 0:
        cx = x + side * (d / 2 + 2 + w / 2)
    else:
        cx = x + side * w / 2
    cy = y + level * (d / 2 + h / 2)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def place_labels(points: list[tuple[float, float, float, str]]) -> list[str]:
    """A textposition per point (x, y in [0, 1] of the plot area, marker diameter in px, label)
    that keeps labels off each other, off the markers and inside the plot: greedy, in the given
    order (most important first), each label taking the least covered of eight positions."""
    pixels = [(x * PLOT_WIDTH, y * PLOT_HEIGHT, d, label) for x, y, d, label in points]
    markers = [(x - d / 2, y - d / 2, x + d / 2, y + d / 2) for x, y, d, _ in pixels]
    placed: list[tuple[float, float, float, float]] = []
    chosen = []
    for x, y, d, label in pixels:
        lines = label.split("<br>")
        w = max(len(line) for line in lines) * LABEL_CHAR_PX
        costs = {}
        for position in LABEL_POSITIONS:
            box = _label_box(x, y, d, w, position, len(lines))
            cost = sum(_overlap(box, other) for other in placed + markers)
            outside = max(0, -box[0]) + max(0, box[2] - PLOT_WIDTH)
            outside += max(0, -box[1]) + max(0, box[3] - PLOT_HEIGHT)
            costs[position] = cost + outside * LABEL_HEIGHT_PX * 4
        best = min(costs, key=costs.get)  # first of the cheapest: "top center" on a tie
        placed.append(_label_box(x, y, d, w, best, len(lines)))
        chosen.append(best)
    return chosen


def point_label(label: str, limit: int = 24) -> str:
    """A sector's name up to its first "," or " et " ("Bâtiment et travaux publics" →
    "Bâtiment"), on lines of `limit` characters: points cluster, and the full name is in the hover
    text and the table."""
    head = re.split(r",| et ", str(label), maxsplit=1)[0].strip() or str(label)
    return wrap(head, limit)


def _log_position(value: float, low: float, high: float) -> float:
    return (math.log10(value) - low) / (high - low)


def specialisation_market(frame: pd.DataFrame, recommended: int) -> Figure:
    """One point per sector: annual hiring projects of the catchment (log axis, with the minimum
    market for a cohort as a vertical line) against the shrunk location quotient and its 90 %
    interval (log axis: a quotient of 2 is as far from 1 as one of 0.5); marker diameter follows
    the difficulty rate, colour says whether the operator's catalogue has the sector, a dark ring
    marks the `recommended` first recommendations. Sectors without a project are left out (no
    place on a log axis)."""
    fig = _figure()
    rows = frame[frame["annual_hiring_projects"] > 0].copy()
    minimum = float(frame["minimum_market_projects"].iloc[0])
    x_min = float(min(rows["annual_hiring_projects"].min(), minimum))
    x_max = float(max(rows["annual_hiring_projects"].max(), minimum))
    x_range = (math.log10(x_min) - 0.12, math.log10(x_max) + 0.12)
    quotient = rows["location_quotient_shrunk"]
    # The interval of a tiny market can reach 0: the axis stops at half the lowest estimate.
    y_low = max(float(rows["location_quotient_low"].min()), float(quotient.min()) / 2, 0.05)
    y_high = min(float(max(rows["location_quotient_high"].max(), 1.0)), 16.0)
    y_range = (math.log10(min(y_low, 1.0)) - 0.05, math.log10(y_high) + 0.05)
    rows["diameter"] = [
        8 + 28 * float(r) if not fmt.is_missing(r) else 8 for r in rows["difficulty_rate_shrunk"]
    ]
    rows["label"] = [point_label(label) for label in rows["sector_label"]]
    is_recommended = rows["recommendation_rank"].fillna(recommended + 1) <= recommended
    order = rows.assign(_first=~is_recommended).sort_values(
        ["_first", "annual_hiring_projects"], ascending=[True, False]
    )
    positions = dict(
        zip(
            order.index,
            place_labels(
                [
                    (
                        _log_position(r.annual_hiring_projects, *x_range),
                        _log_position(r.location_quotient_shrunk, *y_range),
                        r.diameter,
                        r.label,
                    )
                    for r in fmt.rows(order)
                ]
            ),
            strict=True,
        )
    )
    fig.add_trace(
        trace(
            "scatter",
            x=[minimum, minimum],
            y=[10 ** y_range[0], 10 ** y_range[1]],
            mode="lines",
            line={"color": "#6b7685", "dash": "dash", "width": 1.5},
            name=f"Marché minimal pour une cohorte ({fmt.number(minimum)} projets par an)",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        trace(
            "scatter",
            x=[10 ** x_range[0], 10 ** x_range[1]],
            y=[1.0, 1.0],
            mode="lines",
            line={"color": "#8a94a3", "width": 1},
            name="Part nationale (quotient 1)",
            hoverinfo="skip",
        )
    )
    for in_catalogue, name in ((True, "Au catalogue de l'opérateur"), (False, "Hors catalogue")):
        part = rows[rows["is_in_operator_catalogue"].fillna(False).astype(bool) == in_catalogue]
        if part.empty:
            continue
        ringed = is_recommended[part.index]
        colour = CATALOGUE_COLOURS[in_catalogue]
        fig.add_trace(
            trace(
                "scatter",
                x=part["annual_hiring_projects"],
                y=part["location_quotient_shrunk"],
                mode="markers+text",
                name=name,
                text=part["label"].tolist(),
                textposition=[positions[i] for i in part.index],
                textfont={"size": 10, "color": "#222"},
                cliponaxis=False,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (part["location_quotient_high"] - part["location_quotient_shrunk"])
                    .clip(lower=0)
                    .tolist(),
                    "arrayminus": (part["location_quotient_shrunk"] - part["location_quotient_low"])
                    .clip(lower=0)
                    .tolist(),
                    "color": colour,
                    "thickness": 1.2,
                    "width": 3,
                },
                marker={
                    "size": part["diameter"].tolist(),
                    "color": colour,
                    "opacity": 0.8,
                    "line": {
                        "color": ["#111" if r else "white" for r in ringed],
                        "width": [2.5 if r else 1 for r in ringed],
                    },
                },
                customdata=[
                    [
                        text(r.sector_label),
                        fmt.number(r.annual_hiring_projects),
                        fmt.number(r.location_quotient_shrunk, 2),
                        fmt.number(r.location_quotient_low, 2),
                        fmt.number(r.location_quotient_high, 2),
                        fmt.percent(r.difficulty_rate_shrunk),
                    ]
                    for r in fmt.rows(part)
                ],
                hovertemplate="%{customdata[0]}<br>%{customdata[1]} projets par an<br>"
                "quotient %{customdata[2]} (%{customdata[3]}–%{customdata[4]})<br>"
                "difficiles : %{customdata[5]}<extra></extra>",
            )
        )
    x_ticks = [t for t in LOG_TICKS if x_range[0] <= math.log10(t) <= x_range[1]]
    y_ticks = [t for t in QUOTIENT_TICKS if y_range[0] <= math.log10(t) <= y_range[1]]
    fig.update_xaxes(
        type="log",
        range=list(x_range),
        tickvals=x_ticks,
        ticktext=[fmt.number(t) for t in x_ticks],
        title={"text": "projets de recrutement par an dans la zone (échelle logarithmique)"},
    )
    fig.update_yaxes(
        type="log",
        range=list(y_range),
        tickvals=y_ticks,
        ticktext=[fmt.number(t, 2).rstrip("0").rstrip(",") for t in y_ticks],
        title={"text": "quotient de localisation (1 = part nationale)"},
    )
    return _layout(fig, 560, margin={"l": 10, "r": 20, "t": 60, "b": 50})
