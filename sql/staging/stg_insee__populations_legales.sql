-- purpose: INSEE populations légales by commune (municipal and total), geography COG 2025;
--          Paris, Lyon and Marseille are given by arrondissement municipal.
-- grain: one row per commune or arrondissement municipal code
-- upstream: src_populations_legales_communes

with source as (
    select * from src_populations_legales_communes
),

renamed as (
    select
        ---------- ids
        commune_code,
        departement_code,
        region_code,
        ---------- text
        commune_label,
        ---------- counts
        municipal_population_count,
        total_population_count
    from source
)

select * from renamed
