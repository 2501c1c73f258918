-- purpose: the COG 2018 codes of the commune polygons that make up each current commune of the
--          town's catchment (polygons are published in COG 2018; map).
-- source: mart_town__catchment_polygon_codes
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select town_code, polygon_commune_code as old_code, commune_code as current_code
from mart_town__catchment_polygon_codes
where list_contains($town_codes, town_code)
order by town_code, current_code, old_code
