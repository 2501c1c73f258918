"""The whole shortlist: indicators → rank → Monte Carlo → concepts → (optionally) a set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.shortlist.concepts import concepts
from reports.shortlist.criteria import ShortlistError, indicators, weights
from reports.shortlist.inputs import Inputs
from reports.shortlist.monte_carlo import MonteCarlo, monte_carlo
from reports.shortlist.scoring import rank_towns
from reports.shortlist.selection import select_towns


@dataclass(frozen=True)
class Shortlist:
    table: pd.DataFrame  # one row per town, sorted by headline rank
    selected: pd.DataFrame | None
    skipped: pd.DataFrame | None
    params: dict[str, float]
    weights: np.ndarray
    monte_carlo: MonteCarlo
    top: int
    built_at: str
    build_parameters: dict[str, float]


def make_shortlist(
    inputs: Inputs,
    params: Mapping[str, float],
    *,
    candidates: list[str] | None = None,
    top: int = 15,
    select: int | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> Shortlist:
    """Rank the candidate towns (all of `inputs.profile`, or `candidates`), with the Monte Carlo,
    the concepts and, when `select` is given, a set of that many towns."""
    params = dict(params)
    if draws is not None:
        params["draws"] = draws
    if seed is not None:
        params["seed"] = seed
    profile = inputs.profile
    if candidates is not None:
        profile = profile[profile["town_code"].isin(candidates)]
    if profile.empty:
        raise ShortlistError("no candidate town to rank: the warehouse or the list is empty")
    w = weights(params)
    table = indicators(profile, inputs.ranking, inputs.lycees, params)
    ranked = rank_towns(table, w)
    mc = monte_carlo(
        ranked,
        w,
        draws=int(params["draws"]),
        seed=int(params["seed"]),
        concentration=params["dirichlet_concentration"],
        top=top,
    )
    ranked["median_rank"] = mc.median_rank
    ranked["rank_low"] = mc.rank_low
    ranked["rank_high"] = mc.rank_high
    ranked["top_share"] = mc.top_share
    ranked = ranked.merge(concepts(ranked, params), on="town_code", validate="one_to_one")
    selected = skipped = None
    if select is not None:
        selected, skipped = select_towns(ranked, inputs.catchments, select)
        ranked["selection_step"] = (
            ranked["town_code"]
            .map(dict(zip(selected["town_code"], selected["step"], strict=True)))
            .astype("Int64")
        )
    ranked = ranked.sort_values("rank").reset_index(drop=True)
    return Shortlist(
        ranked, selected, skipped, params, w, mc, top, inputs.built_at, inputs.build_parameters
    )
