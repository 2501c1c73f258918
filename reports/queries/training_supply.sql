-- purpose: training places within the town's catchment by sector, qualification level and source
--          (chart "Places de formation par filière et niveau"). Higher-education sites carry no
--          field of study: their students are one line, all fields together.
-- source: mart_town__training_supply, ref_sectors
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
select
    t.town_code,
    t.sector_code,
    case when t.sector_code = 'NC' and t.qualification_level = 6
         then 'Enseignement supérieur, tous domaines (étudiants inscrits)'
         else s.sector_label end as sector_label,
    t.qualification_level,
    t.places,
    t.lycee_pro_places,
    t.bts_school_places,
    t.bts_apprenticeship_places,
    t.higher_education_students,
    t.accessible_places_per_1000,
    t.national_median_per_1000
from mart_town__training_supply as t
join ref_sectors as s using (sector_code)
where list_contains($town_codes, t.town_code) and t.places > 0
order by t.town_code, t.places desc, t.sector_code, t.qualification_level
