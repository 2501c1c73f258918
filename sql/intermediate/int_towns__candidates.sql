-- purpose: candidate towns. By default the Action Cœur de Ville communes (ACV and ACV 2; a
--          bipolar programme lists both communes), re-based to the reference geography through
--          the code-passage table; a user list (param_candidates) replaces it. The user list holds
--          current codes already (flows/build.py resolves it and refuses a former code the
--          passage table splits), so it does not go through the table: a current code that is
--          also the former code of a split commune would otherwise add towns nobody listed.
-- grain: one row per candidate commune (COG 2025)
-- upstream: param_candidates, stg_anct__programmes, int_geo__code_passage, int_geo__communes

with default_list as (
    select commune_code, list(distinct programme order by programme) as programmes
    from stg_anct__programmes
    where programme in ('ACV', 'ACV2')
    group by commune_code
),

chosen as (
    select commune_code as town_code, 'user list' as origin from param_candidates
    union all
    select m.current_code, 'ACV'
    from default_list
    join int_geo__code_passage as m on m.old_code = default_list.commune_code
    where not exists (select 1 from param_candidates)
)

select distinct
    chosen.town_code,
    c.commune_label as town_label,
    c.departement_code,
    any_value(chosen.origin) over (partition by chosen.town_code) as origin
from chosen
join int_geo__communes as c on c.commune_code = chosen.town_code
