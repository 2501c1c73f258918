-- purpose: INSEE comparateur de territoires (census RP2018, Filosofi 2019) by commune.
-- grain: one row per commune code (geography of the edition; Paris, Lyon and Marseille appear
--        both as communes and as arrondissements)
-- upstream: src_comparateur_communes

select
    commune_code,
    population_count,
    population_15_64_count,
    active_15_64_count,
    unemployed_15_64_count,
    jobs_count,
    median_living_standard_eur,
    poverty_rate_pct,
    fiscal_households_count,
    establishments_count
from src_comparateur_communes
