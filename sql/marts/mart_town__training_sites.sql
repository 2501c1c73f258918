-- purpose: the training sites of each town's catchment, by commune: establishments and places by
--          source (vocational lycées, BTS, higher-education students), for the report's map and
--          table of training sites.
-- grain: one row per town × commune with some training place
-- upstream: mart_town__catchment_communes, int_training__offer

select
    k.town_code,
    k.commune_code,
    k.commune_label,
    k.travel_minutes,
    k.latitude,
    k.longitude,
    count(distinct o.uai_code) as establishments,
    coalesce(sum(o.places) filter (where o.source = 'lycee_pro'), 0) as lycee_pro_places,
    coalesce(sum(o.places) filter (where o.source = 'bts'), 0) as bts_places,
    coalesce(sum(o.students), 0) as higher_education_students,
    sum(o.places_or_students) as places
from mart_town__catchment_communes as k
join int_training__offer as o using (commune_code)
where o.places_or_students > 0
group by all
