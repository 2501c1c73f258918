-- purpose: the ten métiers of the town's catchment with the most hiring projects ($measure =
--          'hiring', chart "Métiers les plus recherchés") or the most projects judged difficult
--          ($measure = 'difficult', chart "Métiers les plus difficiles à recruter"), in the latest
--          BMO wave the build selected (the profile's survey year: métiers are not harmonised
--          across the FAP 2009 / FAP 2021 break, so they are not pooled).
-- source: mart_territory_metier__indicators (territory_type 'catchment'), mart_town__profile,
--         ref_sectors
-- params: $town_codes (every town of the run at once: one query per chart, not per town), $measure
select
    m.territory_code as town_code,
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
join mart_town__profile as p
    on p.town_code = m.territory_code and p.latest_survey_year = m.survey_year
where m.territory_type = 'catchment' and list_contains($town_codes, m.territory_code)
qualify row_number() over (
    partition by m.territory_code
    order by case when $measure = 'difficult' then m.difficult_projects else m.hiring_projects end desc,
        m.metier_code
) <= 10
order by town_code,
    case when $measure = 'difficult' then m.difficult_projects else m.hiring_projects end desc,
    m.metier_code
