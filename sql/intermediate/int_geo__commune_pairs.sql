-- purpose: pairs of communes whose centroids lie within the catchment time (param
--          catchment_minutes) of each other, with the approximate road travel time of macro
--          travel_minutes over macro great_circle_km. An approximation, not routing.
--          Only the pairs a model reads are kept: those leaving a candidate town (its catchment,
--          int_catchment__town_communes) and those reaching a commune with training supply
--          (E2SFCA's two steps, int_access__e2sfca, read no other). The 246 default towns need
--          under a tenth of the 4.4 M pairs of every commune; a national candidate list keeps
--          them all.
--          Candidate pairs come from a grid whose cells are at least the maximum distance wide, so
--          only neighbouring cells are compared.
-- grain: one row per ordered pair (origin commune, destination commune), self pairs included,
--        whose origin is a candidate town or whose destination has training supply
-- upstream: int_geo__communes, int_towns__candidates, int_access__supply, params

with reach as (
    -- The inverse of travel_minutes: the farthest great-circle distance within the catchment.
    select catchment_minutes / 60.0 * speed_kmh / detour_factor as max_km from params
),

points as (
    select
        commune_code,
        latitude,
        longitude,
        -- 111.0 km per degree (under the true 111.19) and 0.6 = cos(53°): cells are always at
        -- least max_km wide, in latitude and in longitude at every French latitude.
        floor(latitude / (max_km / 111.0))::bigint as cy,
        floor(longitude / (max_km / (111.0 * 0.6)))::bigint as cx,
        commune_code in (select town_code from int_towns__candidates) as is_town,
        commune_code in (select commune_code from int_access__supply) as is_supply
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
        great_circle_km(o.latitude, o.longitude, d.latitude, d.longitude) as distance_km
    from neighbours as o
    join points as d on d.cy = o.ny and d.cx = o.nx
    where o.is_town or d.is_supply
)

select
    origin_code,
    destination_code,
    distance_km,
    travel_minutes(distance_km, p.detour_factor, p.speed_kmh) as travel_minutes
from distances, params as p
where travel_minutes(distance_km, p.detour_factor, p.speed_kmh) <= p.catchment_minutes
