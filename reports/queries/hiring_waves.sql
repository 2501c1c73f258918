-- purpose: hiring projects of the town's catchment by sector and BMO wave, with difficult and
--          seasonal shares and the official tension class, and the trend the ranking read across
--          its window with its nomenclature-break flag (chart "Évolution des projets de
--          recrutement" and its table). Sectors are harmonised across the FAP 2009 / FAP 2021
--          break, so waves compare at sector level.
-- source: mart_territory_sector__indicators (territory_type 'catchment'), mart_town_sector__ranking,
--         ref_sectors
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select
    i.territory_code as town_code,
    i.survey_year,
    i.sector_code,
    s.sector_label,
    i.hiring_projects,
    i.difficulty_rate_shrunk,
    i.seasonal_share,
    i.tension_class,
    i.estimated_share,
    r.trend_first_year,
    r.trend_last_year,
    r.hiring_change,
    coalesce(r.is_trend_break_affected, false) as is_trend_break_affected
from mart_territory_sector__indicators as i
join ref_sectors as s using (sector_code)
left join mart_town_sector__ranking as r
    on r.town_code = i.territory_code and r.sector_code = i.sector_code
where i.territory_type = 'catchment' and list_contains($town_codes, i.territory_code)
order by i.territory_code, i.survey_year, i.hiring_projects desc, i.sector_code
