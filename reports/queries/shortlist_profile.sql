-- purpose: the shortlist's figures per candidate town: identity, programmes, social need,
--          catchment population and higher education, urban unit (reports/shortlist/criteria.py).
-- source: mart_town__profile, mart_town__shortlist_inputs
select p.town_code, p.town_label, p.departement_code, p.population, p.is_acv, p.is_acv2,
       p.is_territoire_industrie, p.unemployment_rate, p.jobseekers_per_working_age,
       p.median_living_standard_eur, p.catchment_working_age_population,
       p.catchment_active_population, p.nearest_higher_education_minutes,
       p.catchment_higher_education_students, p.catchment_bts_places,
       s.has_urban_unit, s.urban_unit_population
from mart_town__profile as p
join mart_town__shortlist_inputs as s using (town_code)
order by p.town_code
