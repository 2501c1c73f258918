-- purpose: the ten métiers of the town's catchment with the most hiring projects ($measure =
--          'hiring', chart "Métiers les plus recherchés") or the most projects judged difficult
--          ($measure = 'difficult', chart "Métiers les plus difficiles à recruter"), latest BMO vintage.
-- source: mart_territory_metier__indicators (territory_type 'catchment'), ref_sectors
-- params: $town_code, $measure
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
order by case when $measure = 'difficult' then m.difficult_projects else m.hiring_projects end desc,
    m.metier_code
limit 10
