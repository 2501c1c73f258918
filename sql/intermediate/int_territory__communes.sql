-- purpose: the communes of every territory the indicators are computed for: bassins BMO, zones
--          d'emploi 2020 and candidate-town catchments.
-- grain: one row per territory type × territory code × commune
-- upstream: int_geo__communes, int_catchment__town_communes

select 'bassin' as territory_type, bassin_code as territory_code, commune_code
from int_geo__communes where bassin_code is not null
union all
select 'zone_emploi', ze2020_code, commune_code
from int_geo__communes where ze2020_code is not null
union all
select 'catchment', town_code, commune_code
from int_catchment__town_communes
