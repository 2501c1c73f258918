-- purpose: each candidate town's catchment: the communes whose centroid is within the catchment
--          time (param catchment_minutes) of the town's centroid, the town itself included.
-- grain: one row per town × commune
-- upstream: int_towns__candidates, int_geo__commune_pairs

select
    t.town_code,
    p.destination_code as commune_code,
    p.distance_km,
    p.travel_minutes
from int_towns__candidates as t
join int_geo__commune_pairs as p on p.origin_code = t.town_code
