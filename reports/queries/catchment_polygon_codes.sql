-- purpose: the COG 2018 codes of the commune polygons that make up each current commune of the
--          town's catchment (polygons are published in COG 2018; map).
-- source: mart_town__catchment_communes, int_geo__code_passage
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select distinct k.town_code, m.old_code, m.current_code
from mart_town__catchment_communes as k
join int_geo__code_passage as m on m.current_code = k.commune_code
where list_contains($town_codes, k.town_code)
order by k.town_code, m.current_code, m.old_code
