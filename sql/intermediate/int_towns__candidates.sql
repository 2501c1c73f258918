-- purpose: candidate towns. By default the Action Cœur de Ville communes (ACV and ACV 2; a
--          bipolar programme lists both communes); a user list of INSEE codes (param_candidates)
--          replaces it. Codes are re-based to the reference geography.
-- grain: one row per candidate commune (COG 2025)
-- upstream: param_candidates, stg_anct__programmes, int_geo__code_passage, int_geo__communes

with default_list as (
    select commune_code, list(distinct programme order by programme) as programmes
    from stg_anct__programmes
    where programme in ('ACV', 'ACV2')
    group by commune_code
),

chosen as (
    select commune_code, 'user list' as origin from param_candidates
    union all
    select commune_code, 'ACV' from default_list
    where not exists (select 1 from param_candidates)
)

select distinct
    m.current_code as town_code,
    c.commune_label as town_label,
    c.departement_code,
    any_value(chosen.origin) over (partition by m.current_code) as origin
from chosen
join int_geo__code_passage as m on m.old_code = chosen.commune_code
join int_geo__communes as c on c.commune_code = m.current_code
