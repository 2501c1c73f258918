-- purpose: commune centroids (COG 2025), the reference commune list of the warehouse.
-- grain: one row per commune code (COG 2025)
-- upstream: src_commune_centroids

with source as (
    select * from src_commune_centroids
),

renamed as (
    select
        ---------- ids
        commune_code,
        ---------- coordinates
        latitude,
        longitude
    from source
    where latitude is not null and longitude is not null
)

select * from renamed
