-- purpose: the towns' peer groups — candidate towns of the same commune population band — with a
--          few comparable indicators (section Comparaison): every town of the bands the run's
--          towns fall in; each page keeps its own band.
-- source: mart_town__profile, mart_territory_sector__indicators (catchment, the profile's
--         survey year: the latest BMO wave the build selected)
-- params: $town_codes (every town of the run at once: one query per chart, not per town)
with bands (band_label, low, high) as (
    values ('moins de 15 000 habitants', 0, 15000),
           ('15 000 à 20 000 habitants', 15000, 20000),
           ('20 000 à 30 000 habitants', 20000, 30000),
           ('30 000 à 50 000 habitants', 30000, 50000),
           ('50 000 habitants et plus', 50000, 1e12)
),

difficult as (
    select i.territory_code as town_code,
           sum(i.difficult_projects) / nullif(sum(i.hiring_projects), 0) as difficult_share
    from mart_territory_sector__indicators as i
    join mart_town__profile as p
        on p.town_code = i.territory_code and p.latest_survey_year = i.survey_year
    where i.territory_type = 'catchment'
    group by 1
),

towns as (
    select
        p.town_code,
        p.town_label,
        p.departement_code,
        b.band_label,
        p.population,
        p.unemployment_rate,
        p.median_living_standard_eur,
        1000 * p.catchment_hiring_projects / nullif(p.catchment_working_age_population, 0)
            as catchment_hiring_per_1000,
        d.difficult_share as catchment_difficult_share,
        1000 * (p.catchment_vocational_lycee_places + p.catchment_bts_places)
            / nullif(p.catchment_working_age_population, 0) as catchment_vocational_places_per_1000,
        p.nearest_higher_education_minutes
    from mart_town__profile as p
    join bands as b on p.population >= b.low and p.population < b.high
    left join difficult as d using (town_code)
)

select *
from towns
where band_label in (select band_label from towns where list_contains($town_codes, town_code))
order by population desc, town_code
