-- purpose: one shortlist input row per candidate town, and a town in an urban unit never weighs
--          more than its urban unit (the unit's population sums the town's own).
-- grain: one row per town duplicated, missing, or larger than its urban unit
-- upstream: int_towns__candidates, mart_town__shortlist_inputs, int_geo__communes

select case when count(s.town_code) <> 1 then 'town_count' else 'town_larger_than_urban_unit' end
           as failure_type,
       format('mart_town__shortlist_inputs: candidate town {} has {} rows (one expected), '
              || 'population {}, urban unit population {}', t.town_code, count(s.town_code),
              any_value(c.population), coalesce(cast(any_value(s.urban_unit_population) as varchar),
              'none')) as description,
       t.town_code, count(s.town_code) as n,
       any_value(s.urban_unit_population) as urban_unit_population,
       any_value(c.population) as population
from int_towns__candidates as t
join int_geo__communes as c on c.commune_code = t.town_code
left join mart_town__shortlist_inputs as s using (town_code)
group by t.town_code
having count(s.town_code) <> 1
    or bool_or(s.has_urban_unit and not s.urban_unit_population >= c.population)
