"""Robustness of the ranks: ranks under weights drawn around the defaults (Dirichlet) and under
every normalisation, summarised per town as a median rank, a 90 % interval and a top-N share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.shortlist.criteria import CRITERION_KEYS, NORMALISATIONS, ShortlistError
from reports.shortlist.scoring import _ranks, criterion_values


@dataclass(frozen=True)
class MonteCarlo:
    median_rank: np.ndarray
    rank_low: np.ndarray  # 5th percentile: the best rank in 90 % of draws
    rank_high: np.ndarray  # 95th percentile
    top_share: np.ndarray  # share of draws in which the town is within the top N
    draws: int
    methods: tuple[str, ...]
    normalisation_counts: dict[str, int]  # draws per normalisation


def monte_carlo(
    table: pd.DataFrame,
    w: np.ndarray,
    *,
    draws: int,
    seed: int,
    concentration: float,
    top: int,
    methods: tuple[str, ...] = NORMALISATIONS,
) -> MonteCarlo:
    """Ranks under `draws` draws of weights (Dirichlet centred on `w`, alpha = concentration × w;
    a zero weight stays zero) and of the normalisation (uniform among `methods`).

    The draws depend only on the seed and the number of criteria, never on the towns, so a change
    in one town's figures is compared on the same draws. `table` must be sorted by INSEE code."""
    if draws < 1:
        raise ShortlistError(f"--draws must be at least 1, got {draws}")
    rng = np.random.default_rng(seed)
    active = w > 0
    drawn = np.zeros((draws, len(w)))
    drawn[:, active] = rng.dirichlet(concentration * w[active], size=draws)
    chosen = rng.integers(0, len(methods), size=draws)
    scores = np.empty((draws, len(table)))
    for m, method in enumerate(methods):
        values = criterion_values(table, method)[list(CRITERION_KEYS)].to_numpy()
        rows = chosen == m
        scores[rows] = drawn[rows] @ values.T
    ranks = _ranks(scores)
    low, median, high = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    return MonteCarlo(
        median_rank=median.astype(int),
        rank_low=low.astype(int),
        rank_high=high.astype(int),
        top_share=(ranks <= top).mean(axis=0),
        draws=draws,
        methods=methods,
        normalisation_counts={m: int((chosen == i).sum()) for i, m in enumerate(methods)},
    )
