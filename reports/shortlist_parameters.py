"""Defaults of the shortlist settings, apart from the shortlist itself:
`flows/pipeline/settings.py` checks every GPECT_SHORTLIST_* variable against them when any
command starts, and this module imports nothing, so that `gpect --help` and argument errors do
not load pandas (reports/shortlist.py)."""

# Defaults of the shortlist settings (GPECT_SHORTLIST_<NAME> overrides each, see
# flows/pipeline/settings.py).
DEFAULT_PARAMETERS: dict[str, float] = {
    # Criterion weights (normalised to sum to 1).
    "weight_higher_education": 0.20,
    "weight_skills_gap": 0.25,
    "weight_social_need": 0.25,
    "weight_audience": 0.15,
    "weight_partners": 0.15,
    # Eligibility: population band of the commune and of its urban unit.
    "population_min": 10_000,
    "population_max": 100_000,
    # Skills gap: the town's strongest sectors of mart_town_sector__ranking that count.
    "top_sectors": 3,
    # Audience: share of the catchment's active population (15-64) expected to train at the centre
    # each year (an assumption to discuss with the operator), against the 120-150 learners a year
    # a centre needs to break even; beyond `audience_cap` times the upper bound, more people add
    # nothing to the criterion.
    "participation_rate": 0.003,
    "break_even_low": 120,
    "break_even_high": 150,
    "audience_cap": 2.0,
    # Implantation concepts: learners or people a year at cruising speed, and the thresholds of
    # the social-need rule (census unemployment rate of France: 13.4 %).
    "turnkey_learners": 80,
    "third_place_people": 85,
    "progressive_learners": 300,
    "third_place_unemployment_rate": 0.20,
    "third_place_jobseeker_rate": 0.20,
    # Robustness: number of Monte Carlo draws, seed, and how tightly the Dirichlet weights
    # concentrate around the defaults (alpha = concentration × default weight).
    "draws": 2000,
    "seed": 20_240,
    "dirichlet_concentration": 50,
}
