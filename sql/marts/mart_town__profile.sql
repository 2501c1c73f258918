-- purpose: one profile per candidate town for reports and the shortlist: the commune's population,
--          labour market and income; programme memberships (ACV, ACV 2, Petites villes de demain,
--          Territoires d'industrie through the town's EPCI); bassin BMO and zone d'emploi; the
--          catchment's population, unemployment and jobseekers; higher education (travel time to
--          the nearest site, students within the catchment); apprenticeship centres and
--          vocational lycées; hiring projects of the wave the published BMO window ends at
--          (int_bmo__waves.is_window_end, set by bmo_window_end).
-- grain: one row per candidate town
-- upstream: int_towns__candidates, int_geo__communes, int_programme__communes,
--           int_programme__industry_epcis, int_bmo__cells, int_territory__population,
--           int_catchment__town_communes, int_training__offer, stg_mna__apprenticeship_centres,
--           stg_education__lycees, int_geo__code_passage, int_territory__jobseekers_commune,
--           mart_territory_sector__indicators, int_bmo__waves, params

with window_end as (
    select survey_year from int_bmo__waves where is_window_end
),

programmes as (
    select m.current_code as commune_code,
           bool_or(programme = 'ACV') as is_acv,
           bool_or(programme = 'ACV2') as is_acv2,
           bool_or(programme = 'PVD') as is_pvd,
           string_agg(distinct programme_label, ' ; ') filter (where programme in ('ACV', 'ACV2'))
               as acv_programme_label
    from int_programme__communes as a
    join int_geo__code_passage as m on m.old_code = a.commune_code
    group by 1
),

bassin_labels as (
    select bassin_code, min(bassin_label) as bassin_label
    from int_bmo__cells
    where survey_year = (select survey_year from window_end)
    group by 1
),

he_sites as (
    select distinct c.commune_code, c.latitude, c.longitude
    from int_training__offer as o
    join int_geo__communes as c using (commune_code)
    where o.source = 'higher_education'
),

nearest_he as (
    select t.town_code,
           min(great_circle_km(c.latitude, c.longitude, h.latitude, h.longitude)) as km
    from int_towns__candidates as t
    join int_geo__communes as c on c.commune_code = t.town_code
    cross join he_sites as h
    group by 1
),

catchment_supply as (
    select k.town_code,
           sum(o.students) as higher_education_students,
           sum(o.places) filter (where o.source = 'lycee_pro') as vocational_lycee_places,
           sum(o.places) filter (where o.source = 'bts') as bts_places
    from int_catchment__town_communes as k
    join int_training__offer as o using (commune_code)
    group by 1
),

cfa as (
    select k.town_code, count(*) as apprenticeship_centres
    from int_catchment__town_communes as k
    join stg_mna__apprenticeship_centres as a using (commune_code)
    group by 1
),

lycees as (
    select m.current_code as commune_code,
           count(*) filter (where l.lycee_type_code in ('LP', 'LPO')) as vocational_lycees,
           string_agg(l.establishment_label, ' ; ' order by l.establishment_label)
               filter (where l.lycee_type_code in ('LP', 'LPO')) as vocational_lycee_names
    from stg_education__lycees as l
    join int_geo__code_passage as m on m.old_code = l.commune_code
    group by 1
),

town_jobseekers as (
    select m.current_code as commune_code, sum(j.jobseekers_abc_count * m.share) / 12.0 as jobseekers_abc
    from int_territory__jobseekers_commune as j
    join int_geo__code_passage as m on m.old_code = j.commune_code
    group by 1
),

hiring as (
    select territory_code as town_code, survey_year,
           sum(hiring_projects) as hiring_projects,
           sum(hiring_projects * estimated_share) / nullif(sum(hiring_projects), 0) as estimated_share
    from mart_territory_sector__indicators
    where territory_type = 'catchment'
      and survey_year = (select survey_year from window_end)
    group by all
)

select
    t.town_code,
    t.town_label,
    t.origin as candidate_origin,
    c.departement_code,
    c.region_code,
    c.latitude,
    c.longitude,
    c.population,
    c.working_age_population,
    c.active_population,
    c.unemployed_population / nullif(c.active_population, 0) as unemployment_rate,
    tj.jobseekers_abc / nullif(c.working_age_population, 0) as jobseekers_per_working_age,
    c.median_living_standard_eur,
    c.uu2020_code,
    c.aav2020_code,
    c.epci_siren,
    c.epci_label,
    coalesce(pr.is_acv, false) as is_acv,
    coalesce(pr.is_acv2, false) as is_acv2,
    coalesce(pr.is_pvd, false) as is_pvd,
    exists (select 1 from int_programme__industry_epcis as ti where ti.epci_siren = c.epci_siren)
        as is_territoire_industrie,
    pr.acv_programme_label,
    c.bassin_code,
    bl.bassin_label,
    c.ze2020_code,
    c.ze2020_label,
    cp.communes as catchment_communes,
    cp.population as catchment_population,
    cp.working_age_population as catchment_working_age_population,
    cp.active_population as catchment_active_population,
    cp.unemployment_rate as catchment_unemployment_rate,
    cp.jobseekers_per_working_age as catchment_jobseekers_per_working_age,
    cp.jobseekers_coverage_share as catchment_jobseekers_coverage_share,
    travel_minutes(nh.km, p.detour_factor, p.speed_kmh) as nearest_higher_education_minutes,
    coalesce(cs.higher_education_students, 0) as catchment_higher_education_students,
    coalesce(cs.vocational_lycee_places, 0) as catchment_vocational_lycee_places,
    coalesce(cs.bts_places, 0) as catchment_bts_places,
    coalesce(cfa.apprenticeship_centres, 0) as catchment_apprenticeship_centres,
    coalesce(ly.vocational_lycees, 0) as town_vocational_lycees,
    ly.vocational_lycee_names as town_vocational_lycee_names,
    h.survey_year as latest_survey_year,
    h.hiring_projects as catchment_hiring_projects,
    h.estimated_share as catchment_estimated_share
from int_towns__candidates as t
join int_geo__communes as c on c.commune_code = t.town_code
cross join params as p
left join programmes as pr on pr.commune_code = t.town_code
left join bassin_labels as bl on bl.bassin_code = c.bassin_code
left join int_territory__population as cp on cp.territory_type = 'catchment' and cp.territory_code = t.town_code
left join nearest_he as nh on nh.town_code = t.town_code
left join catchment_supply as cs on cs.town_code = t.town_code
left join cfa on cfa.town_code = t.town_code
left join lycees as ly on ly.commune_code = t.town_code
left join town_jobseekers as tj on tj.commune_code = t.town_code
left join hiring as h on h.town_code = t.town_code
