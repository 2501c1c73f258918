-- purpose: one profile per candidate town, and every candidate town has one.
-- grain: one row per town duplicated or missing
-- upstream: mart_town__profile, int_towns__candidates

select case when count(p.town_code) = 0 then 'town_missing' else 'duplicated_key' end
           as failure_type,
       format('mart_town__profile: {} rows for candidate town {} ({}) (one expected)',
              count(p.town_code), town_code, any_value(t.town_label)) as description,
       town_code, count(p.town_code) as n
from int_towns__candidates as t
left join mart_town__profile as p using (town_code)
group by town_code
having count(p.town_code) <> 1
