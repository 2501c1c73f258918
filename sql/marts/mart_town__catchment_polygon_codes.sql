-- purpose: for the report's map, the commune codes whose polygons make up each current commune of
--          a town's catchment: polygons are published in COG 2018, so every former code INSEE's
--          passage table maps to the current commune (the current code included).
-- grain: one row per town × current commune × polygon code (a former or the current code)
-- upstream: mart_town__catchment_communes, int_geo__code_passage

select distinct
    k.town_code,
    k.commune_code,
    m.old_code as polygon_commune_code
from mart_town__catchment_communes as k
join int_geo__code_passage as m on m.current_code = k.commune_code
