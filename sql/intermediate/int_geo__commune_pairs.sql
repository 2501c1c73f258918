-- purpose: pairs of communes whose centroids lie within the catchment time of each other, with an
--          approximate road travel time: great-circle distance × detour factor / average speed
--          (params detour_factor, speed_kmh, catchment_minutes). An approximation, not routing.
--          Candidate pairs come from a grid whose cells are at least the maximum distance wide, so
--          only neighbouring cells are compared.
-- grain: one row per ordered pair (origin commune, destination commune), self pairs included
-- upstream: int_geo__communes, param_settings

with p as (
    select
        max(value) filter (where name = 'catchment_minutes') as minutes,
        max(value) filter (where name = 'detour_factor') as detour,
        max(value) filter (where name = 'speed_kmh') as speed
    from param_settings
),

reach as (
    select minutes, detour, speed, minutes / 60.0 * speed / detour as max_km from p
),

points as (
    select
        commune_code,
        latitude,
        longitude,
        -- 111.0 km per degree (under the true 111.19) and 0.6 = cos(53°): cells are always at
        -- least max_km wide, in latitude and in longitude at every French latitude.
        floor(latitude / (max_km / 111.0))::bigint as cy,
        floor(longitude / (max_km / (111.0 * 0.6)))::bigint as cx
    from int_geo__communes, reach
),

neighbours as (
    select points.*, cy + dy as ny, cx + dx as nx
    from points, range(-1, 2) as a(dy), range(-1, 2) as b(dx)
),

distances as (
    select
        o.commune_code as origin_code,
        d.commune_code as destination_code,
        2 * 6371.0 * asin(sqrt(
            power(sin(radians(d.latitude - o.latitude) / 2), 2)
            + cos(radians(o.latitude)) * cos(radians(d.latitude))
              * power(sin(radians(d.longitude - o.longitude) / 2), 2)
        )) as distance_km
    from neighbours as o
    join points as d on d.cy = o.ny and d.cx = o.nx
)

select
    origin_code,
    destination_code,
    distance_km,
    distance_km * reach.detour / reach.speed * 60 as travel_minutes
from distances, reach
where distance_km * reach.detour / reach.speed * 60 <= reach.minutes
