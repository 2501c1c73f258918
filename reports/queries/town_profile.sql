-- purpose: the town's profile: commune figures, programmes, bassin and zone d'emploi, catchment
--          key figures (sections Synthèse, Territoire, Comparaison).
-- source: mart_town__profile
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select *
from mart_town__profile
where list_contains($town_codes, town_code)
order by town_code
