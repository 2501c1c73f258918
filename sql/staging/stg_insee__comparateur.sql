-- purpose: INSEE comparateur de territoires (census RP2018, Filosofi 2019) by commune.
-- grain: one row per commune code (geography of the edition; Paris, Lyon and Marseille appear
--        both as communes and as arrondissements)
-- upstream: src_comparateur_communes

with source as (
    select * from src_comparateur_communes
),

renamed as (
    select
        ---------- ids
        commune_code,
        ---------- counts
        population_count,
        population_15_64_count,
        active_15_64_count,
        unemployed_15_64_count,
        jobs_count,
        fiscal_households_count,
        establishments_count,
        ---------- measures
        median_living_standard_eur,
        poverty_rate_pct
    from source
)

select * from renamed
