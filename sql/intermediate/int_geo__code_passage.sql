-- purpose: map any commune code met in a source (former COG codes, arrondissements municipaux)
--          to the warehouse's reference list (COG 2025 communes with a centroid). A former code
--          split between several current communes gets a population share for each.
-- grain: one row per source code × current commune code
-- upstream: stg_insee__cog_passage, stg_etalab__communes, stg_geo__commune_centroids,
--           stg_insee__populations_legales

with current_communes as (
    select commune_code from stg_geo__commune_centroids
),

arrondissements as (
    -- Paris, Lyon and Marseille arrondissements belong to their commune in the reference list.
    select commune_code as old_code, parent_commune_code as current_code
    from stg_etalab__communes
    where commune_type = 'arrondissement-municipal'
),

pairs as (
    select old_code, current_code from stg_insee__cog_passage
    union
    select commune_code, commune_code from current_communes
    union
    select old_code, current_code from arrondissements
),

population as (
    select coalesce(a.current_code, p.commune_code) as commune_code,
           sum(p.municipal_population_count) as population
    from stg_insee__populations_legales as p
    left join arrondissements as a on a.old_code = p.commune_code
    group by 1
),

weighted as (
    select
        pairs.old_code,
        pairs.current_code,
        coalesce(population.population, 0) as population,
        count(*) over (partition by pairs.old_code) as n_targets,
        sum(coalesce(population.population, 0)) over (partition by pairs.old_code) as old_population
    from pairs
    join current_communes on current_communes.commune_code = pairs.current_code
    left join population on population.commune_code = pairs.current_code
)

select
    old_code,
    current_code,
    n_targets > 1 as is_split,
    case when old_population > 0 then population / old_population else 1.0 / n_targets end as share
from weighted
