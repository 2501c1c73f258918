-- purpose: candidate towns. By default the Action Cœur de Ville communes (ACV and ACV 2; a
--          bipolar programme lists both communes), re-based to the reference geography through
--          the code-passage table; a user list (param_candidates) replaces it. The user list holds
--          current codes already (flows/pipeline/build.py resolves it and refuses a former code the
--          passage table splits), so it does not go through the table: a current code that is
--          also the former code of a split commune would otherwise add towns nobody listed.
--          `has_metier_detail`: the towns whose catchment gets métier-level detail
--          (mart_territory_metier__indicators) and enters the diagnostic's evaluation — every
--          candidate when the list holds at most param metier_detail_max_towns towns, else the
--          towns of the default list, the ones that get a report: a national list of 34,888
--          communes would otherwise store 12.7 M catchment × métier rows that no report reads.
-- grain: one row per candidate commune (COG 2025)
-- upstream: param_candidates, int_programme__communes, int_geo__code_passage, int_geo__communes,
--           params

with default_list as (
    select commune_code
    from int_programme__communes
    where programme in ('ACV', 'ACV2')
    group by commune_code
),

default_towns as (
    select distinct m.current_code as town_code
    from default_list as d
    join int_geo__code_passage as m on m.old_code = d.commune_code
),

chosen as (
    select commune_code as town_code, 'user list' as origin from param_candidates
    union all
    select town_code, 'ACV' from default_towns
    where not exists (select 1 from param_candidates)
),

towns as (
    select distinct
        chosen.town_code,
        c.commune_label as town_label,
        c.departement_code,
        any_value(chosen.origin) over (partition by chosen.town_code) as origin
    from chosen
    join int_geo__communes as c on c.commune_code = chosen.town_code
)

select
    towns.town_code,
    towns.town_label,
    towns.departement_code,
    towns.origin,
    (select count(*) from towns) <= params.metier_detail_max_towns
        or towns.town_code in (select town_code from default_towns) as has_metier_detail
from towns
cross join params
