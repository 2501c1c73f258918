-- purpose: INSEE table d'appartenance géographique (COG 2022): urban unit and aire d'attraction.
-- grain: one row per commune code (COG 2022)
-- upstream: src_appartenance_geo_communes

with source as (
    select * from src_appartenance_geo_communes
),

renamed as (
    select
        ---------- ids
        commune_code,
        uu2020_code,
        aav2020_code,
        aav2020_category_code
    from source
)

select * from renamed
