-- purpose: approximate road travel time in minutes from a great-circle distance: the distance
--          lengthened by the detour factor, driven at the average speed (params detour_factor,
--          speed_kmh). An approximation of road travel, not routing.
-- used by: int_geo__commune_pairs, mart_town__profile

create macro travel_minutes(distance_km, detour_factor, speed_kmh) as
    distance_km * detour_factor / speed_kmh * 60
