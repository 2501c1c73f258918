-- purpose: names of candidate towns, to resolve the TOWN argument of `gpect report`.
-- source: mart_town__profile
select town_code as commune_code, town_label as commune_label, departement_code
from mart_town__profile
order by 1
