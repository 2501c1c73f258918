-- purpose: the one geography: every commune of the reference list (COG 2025) with its
--          population, working-age and active population, unemployment, income, centroid and its
--          bassin BMO (2024 zonage), zone d'emploi 2020, EPCI, urban unit, département and région.
--          Older-COG sources are re-based through int_geo__code_passage: counts are summed (split
--          former communes by population share), zone codes take the most common value.
--          Every choice breaks ties on the code, so that the same inputs give the same warehouse.
-- grain: one row per commune (COG 2025)
-- upstream: stg_geo__commune_centroids, int_geo__code_passage, stg_etalab__communes,
--           stg_insee__populations_legales, stg_insee__comparateur, stg_france_travail__bmo_bassin_communes,
--           stg_insee__ze2020_communes, stg_insee__appartenance_geo, stg_etalab__epci_members

with base as (
    select c.commune_code, c.latitude, c.longitude, e.commune_label, e.departement_code, e.region_code,
           e.municipal_population_count as etalab_population
    from stg_geo__commune_centroids as c
    left join stg_etalab__communes as e
        on e.commune_code = c.commune_code and e.commune_type = 'commune-actuelle'
),

legal_population as (
    select m.current_code as commune_code, sum(p.municipal_population_count * m.share) as population
    from stg_insee__populations_legales as p
    join int_geo__code_passage as m on m.old_code = p.commune_code
    group by 1
),

census as (
    -- The comparateur lists Paris, Lyon and Marseille both whole and by arrondissement: keep communes.
    select m.current_code as commune_code,
           sum(c.population_15_64_count * m.share) as working_age_population,
           sum(c.active_15_64_count * m.share) as active_population,
           sum(c.unemployed_15_64_count * m.share) as unemployed_population,
           sum(c.jobs_count * m.share) as jobs,
           -- Medians cannot be summed: a merged commune gets the population-weighted mean of its parts.
           sum(c.median_living_standard_eur * c.population_count * m.share)
               / nullif(sum(case when c.median_living_standard_eur is not null
                                 then c.population_count * m.share end), 0) as median_living_standard_eur,
           count(*) > 1 as is_census_merged
    from stg_insee__comparateur as c
    join int_geo__code_passage as m on m.old_code = c.commune_code
    where c.commune_code not in (
        select commune_code from stg_etalab__communes where commune_type = 'arrondissement-municipal'
    )
    group by 1
),

zone_votes as (
    -- Every former commune votes for its zones; a merged commune takes its most common zone
    -- (ties: the smallest code, so that a build is reproducible).
    select 'bassin' as zone, m.current_code as commune_code, b.bassin_code as code, null as label
    from stg_france_travail__bmo_bassin_communes as b
    join int_geo__code_passage as m on m.old_code = b.commune_code
    union all
    select 'ze2020', m.current_code, z.ze2020_code, z.ze2020_label
    from stg_insee__ze2020_communes as z join int_geo__code_passage as m on m.old_code = z.commune_code
    union all
    select 'uu2020', m.current_code, a.uu2020_code, null
    from stg_insee__appartenance_geo as a join int_geo__code_passage as m on m.old_code = a.commune_code
    union all
    select 'aav2020', m.current_code, a.aav2020_code, null
    from stg_insee__appartenance_geo as a join int_geo__code_passage as m on m.old_code = a.commune_code
    union all
    select 'epci', m.current_code, e.epci_siren, e.epci_label
    from stg_etalab__epci_members as e join int_geo__code_passage as m on m.old_code = e.commune_code
),

zone_counts as (
    select zone, commune_code, code, min(label) as label, count(*) as n
    from zone_votes where code is not null
    group by all
),

zones as (
    select
        commune_code,
        first(code order by n desc, code) filter (where zone = 'bassin') as bassin_code,
        count(*) filter (where zone = 'bassin') > 1 as has_several_bassins,
        first(code order by n desc, code) filter (where zone = 'ze2020') as ze2020_code,
        first(label order by n desc, code) filter (where zone = 'ze2020') as ze2020_label,
        first(code order by n desc, code) filter (where zone = 'uu2020') as uu2020_code,
        first(code order by n desc, code) filter (where zone = 'aav2020') as aav2020_code,
        first(code order by n desc, code) filter (where zone = 'epci') as epci_siren,
        first(label order by n desc, code) filter (where zone = 'epci') as epci_label
    from zone_counts
    group by commune_code
)

select
    base.commune_code,
    base.commune_label,
    base.departement_code,
    base.region_code,
    base.latitude,
    base.longitude,
    coalesce(legal_population.population, base.etalab_population) as population,
    legal_population.population is null as is_population_from_etalab,
    census.working_age_population,
    census.active_population,
    census.unemployed_population,
    census.jobs,
    census.median_living_standard_eur,
    zones.bassin_code,
    coalesce(zones.has_several_bassins, false) as has_several_bassins,
    zones.ze2020_code,
    zones.ze2020_label,
    zones.epci_siren,
    zones.epci_label,
    zones.uu2020_code,
    zones.aav2020_code
from base
left join legal_population using (commune_code)
left join census using (commune_code)
left join zones using (commune_code)
