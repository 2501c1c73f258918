-- purpose: INSEE zones d'emploi 2020 composition (COG 2022).
-- grain: one row per commune code (COG 2022)
-- upstream: src_ze2020_communes

with source as (
    select * from src_ze2020_communes
),

renamed as (
    select
        ---------- ids
        commune_code,
        ze2020_code,
        ---------- text
        ze2020_label
    from source
)

select * from renamed
