-- purpose: the training supply seen from each candidate town: places within the catchment by
--          sector, level and source, and the town's E2SFCA accessibility (places per 1,000
--          working-age residents) with the national median for comparison.
-- grain: one row per town × sector × qualification level
-- upstream: int_towns__candidates, int_catchment__town_communes, int_training__offer,
--           int_access__e2sfca, ref_standardisation

with places as (
    select c.town_code, o.sector_code, o.qualification_level,
           sum(o.places) filter (where o.source = 'lycee_pro') as lycee_pro_places,
           sum(o.places) filter (where o.source = 'bts' and o.status = 'scolaire') as bts_school_places,
           sum(o.places) filter (where o.source = 'bts' and o.status = 'apprentissage') as bts_apprenticeship_places,
           sum(o.students) as higher_education_students,
           sum(o.places_or_students) as places
    from int_catchment__town_communes as c
    join int_training__offer as o using (commune_code)
    group by all
),

access as (
    select t.town_code, a.sector_code, a.qualification_level, a.accessible_places_per_1000
    from int_towns__candidates as t
    join int_access__e2sfca as a on a.commune_code = t.town_code
),

medians as (
    select sector_code, cast(right(indicator, 1) as integer) as qualification_level, cast(median as double) as national_median
    from ref_standardisation where indicator in ('access_l4', 'access_l5', 'access_l6')
)

select
    coalesce(p.town_code, a.town_code) as town_code,
    coalesce(p.sector_code, a.sector_code) as sector_code,
    coalesce(p.qualification_level, a.qualification_level) as qualification_level,
    coalesce(p.places, 0) as places,
    coalesce(p.lycee_pro_places, 0) as lycee_pro_places,
    coalesce(p.bts_school_places, 0) as bts_school_places,
    coalesce(p.bts_apprenticeship_places, 0) as bts_apprenticeship_places,
    coalesce(p.higher_education_students, 0) as higher_education_students,
    coalesce(a.accessible_places_per_1000, 0) as accessible_places_per_1000,
    m.national_median as national_median_per_1000
from places as p
full join access as a using (town_code, sector_code, qualification_level)
left join medians as m
    on m.sector_code = coalesce(p.sector_code, a.sector_code)
   and m.qualification_level = coalesce(p.qualification_level, a.qualification_level)
