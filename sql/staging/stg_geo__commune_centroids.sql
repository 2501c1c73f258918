-- purpose: commune centroids (COG 2025), the reference commune list of the warehouse.
-- grain: one row per commune code (COG 2025)
-- upstream: src_commune_centroids

select
    commune_code,
    latitude,
    longitude
from src_commune_centroids
where latitude is not null and longitude is not null
