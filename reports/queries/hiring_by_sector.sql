-- purpose: hiring projects of the town's catchment by sector and BMO vintage, with difficult and
--          seasonal shares and the official tension class (chart "Projets de recrutement par
--          filière" and its table; both vintages map to sectors, so they compare).
-- source: mart_territory_sector__indicators (territory_type 'catchment'), ref_sectors
-- params: $town_code
select
    i.survey_year,
    i.sector_code,
    s.sector_label,
    i.hiring_projects,
    i.difficult_projects,
    i.difficulty_rate_shrunk,
    i.seasonal_share,
    i.hiring_per_1000,
    i.tension_class,
    i.estimated_share
from mart_territory_sector__indicators as i
join ref_sectors as s using (sector_code)
where i.territory_type = 'catchment' and i.territory_code = $town_code
order by i.survey_year, i.hiring_projects desc
