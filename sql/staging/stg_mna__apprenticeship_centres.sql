-- purpose: apprenticeship centres (CFA/OFA) that are open, with their commune. The catalogue gives
--          establishments, not places: they are counted, never turned into capacities.
-- grain: one row per SIRET
-- upstream: src_apprenticeship_centres

with source as (
    select * from src_apprenticeship_centres
),

renamed as (
    select
        ---------- ids
        siret_code,
        coalesce(commune_code, rco_commune_code) as commune_code,
        ---------- text
        establishment_label
    from source
    where not coalesce(is_closed, false) and coalesce(commune_code, rco_commune_code) is not null
)

select * from renamed
