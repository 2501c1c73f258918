-- purpose: every big town of the candidate list (50,000 inhabitants or more in the reference
--          geography) has a profile. The list is re-derived here from its source (the ACV
--          programmes through the code-passage table, or the user's list), independently of
--          int_towns__candidates: a join that loses towns upstream is caught, and the biggest
--          towns, the ones a reader looks for first, are the ones it names.
-- grain: one row per big candidate town without a profile
-- upstream: int_programme__communes, int_geo__code_passage, param_candidates, int_geo__communes,
--           mart_town__profile

with listed as (
    select commune_code as town_code from param_candidates
    union
    select coalesce(m.current_code, a.commune_code)
    from int_programme__communes as a
    left join int_geo__code_passage as m on m.old_code = a.commune_code
    where a.programme in ('ACV', 'ACV2')
      and not exists (select 1 from param_candidates)
)

select 'big_town_missing' as failure_type,
       format('mart_town__profile: candidate town {} ({}, {} inhabitants) has no profile (every '
              || 'candidate of 50,000 inhabitants or more must have one)',
              c.commune_code, c.commune_label, cast(round(c.population) as bigint)) as description,
       c.commune_code as town_code, c.commune_label as town_label, c.population
from listed
join int_geo__communes as c on c.commune_code = listed.town_code
where c.population >= 50000
  and c.commune_code not in (select town_code from mart_town__profile)
