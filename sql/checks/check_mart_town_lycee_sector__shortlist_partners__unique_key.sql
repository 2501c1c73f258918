-- purpose: one partner row per town × lycée × sector, each a lycée of a candidate town.
-- grain: one row per duplicated key or lycée of a non-candidate commune
-- upstream: mart_town_lycee_sector__shortlist_partners, int_towns__candidates

select case when count(*) > 1 then 'duplicated_key' else 'town_not_candidate' end as failure_type,
       format('mart_town_lycee_sector__shortlist_partners: {} rows for town {} × lycée {} × sector '
              || '{} (one expected, of a town in int_towns__candidates)', count(*), town_code,
              uai_code, sector_code) as description,
       town_code, uai_code, sector_code, count(*) as n
from mart_town_lycee_sector__shortlist_partners
group by town_code, uai_code, sector_code
having count(*) > 1 or town_code not in (select town_code from int_towns__candidates)
