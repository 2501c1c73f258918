-- purpose: E2SFCA accessibility for every commune and sector (all levels, and levels 4, 5, 6),
--          zeros included, so that national distributions count communes without access.
-- grain: one row per commune × sector (sectors with some offer somewhere)
-- upstream: int_access__e2sfca, int_geo__communes

with sectors as (select distinct sector_code from int_access__e2sfca)

select
    c.commune_code,
    s.sector_code,
    coalesce(sum(a.accessible_places_per_1000), 0) as access_all,
    coalesce(sum(a.accessible_places_per_1000) filter (where a.qualification_level = 4), 0) as access_l4,
    coalesce(sum(a.accessible_places_per_1000) filter (where a.qualification_level = 5), 0) as access_l5,
    coalesce(sum(a.accessible_places_per_1000) filter (where a.qualification_level = 6), 0) as access_l6
from int_geo__communes as c
cross join sectors as s
left join int_access__e2sfca as a on a.commune_code = c.commune_code and a.sector_code = s.sector_code
where coalesce(c.working_age_population, 0) > 0
group by all
