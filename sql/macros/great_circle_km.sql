-- purpose: great-circle (haversine) distance in km between two points given in degrees, on a
--          sphere of the mean Earth radius (6,371 km): the distance every travel time starts from.
-- used by: int_geo__commune_pairs, mart_town__profile

create macro great_circle_km(latitude_from, longitude_from, latitude_to, longitude_to) as
    2 * 6371.0 * asin(sqrt(
        power(sin(radians(latitude_to - latitude_from) / 2), 2)
        + cos(radians(latitude_from)) * cos(radians(latitude_to))
          * power(sin(radians(longitude_to - longitude_from) / 2), 2)
    ))
