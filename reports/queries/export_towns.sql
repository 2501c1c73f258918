-- purpose: the open-data export's towns layer: each candidate town's catchment indicators and
--          what the operator can open there (recommendation rank ≤ 3, catalogue and market
--          for a cohort), not the raw rank; sectors joined by " ; " (their names hold commas).
--          In town order, so that a re-export writes the same layers.
-- source: mart_town__profile, mart_town_sector__ranking
select p.town_code, p.town_label, p.departement_code, p.catchment_communes,
       p.catchment_population, p.catchment_working_age_population, p.catchment_unemployment_rate,
       p.catchment_hiring_projects, p.catchment_estimated_share,
       p.catchment_higher_education_students, p.nearest_higher_education_minutes,
       string_agg(r.sector_label, ' ; ' order by r.recommendation_rank)
           filter (where r.recommendation_rank <= 3) as recommended_sectors,
       string_agg(r.sector_label, ' ; ' order by r.rank)
           filter (where r.is_partner_need) as partner_sectors
from mart_town__profile as p
left join mart_town_sector__ranking as r using (town_code)
group by all
order by p.town_code
