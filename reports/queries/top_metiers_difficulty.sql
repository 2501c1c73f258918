-- purpose: the ten métiers with the most hiring projects judged difficult by employers in the
--          town's catchment, latest BMO vintage (chart "Métiers les plus difficiles à recruter").
-- source: mart_territory_metier__indicators (territory_type 'catchment'), ref_sectors
-- params: $town_code
select
    m.survey_year,
    m.metier_nomenclature,
    m.metier_code,
    m.metier_label,
    s.sector_label,
    m.hiring_projects,
    m.difficult_projects,
    m.difficulty_rate_shrunk,
    m.seasonal_share,
    m.estimated_share
from mart_territory_metier__indicators as m
join ref_sectors as s using (sector_code)
where m.territory_type = 'catchment' and m.territory_code = $town_code
  and m.survey_year = (select max(survey_year) from mart_territory_metier__indicators)
order by m.difficult_projects desc, m.metier_code
limit 10
