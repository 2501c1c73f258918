-- purpose: the town's profile: commune figures, programmes, bassin and zone d'emploi, catchment
--          key figures (sections Synthèse, Territoire, Comparaison).
-- source: mart_town__profile
-- params: $town_code
select *
from mart_town__profile
where town_code = $town_code
