-- purpose: the UAIs of the apprenticeship-centre catalogue (closed centres included: their UAI
--          still locates a training site) with their communes: the centre's own UAI and commune,
--          and its RCO (répertoire) UAI and commune.
-- grain: one row per catalogue row (one per SIRET)
-- upstream: src_apprenticeship_centres

with source as (
    select * from src_apprenticeship_centres
),

renamed as (
    select
        ---------- ids
        vintage,
        uai_code,
        commune_code,
        rco_uai_code,
        rco_commune_code
    from source
)

select * from renamed
