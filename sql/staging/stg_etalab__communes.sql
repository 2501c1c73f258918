-- purpose: Etalab découpage administratif communes (COG 2026): names, types, arrondissement parents.
-- grain: one row per code × type (communes actuelles, déléguées, associées, arrondissements)
-- upstream: src_etalab_communes

with source as (
    select * from src_etalab_communes
),

renamed as (
    select
        ---------- ids
        commune_code,
        commune_type,
        departement_code,
        region_code,
        parent_commune_code,
        ---------- text
        commune_label,
        ---------- counts
        municipal_population_count
    from source
)

select * from renamed
