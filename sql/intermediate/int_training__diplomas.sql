-- purpose: BCN diplomas (N_ and V_FORMATION_DIPLOME) with their NSF group and RNCP level, the
--          N_ table preferred where both list a code; an RNCP level outside 1–8 is no level.
-- grain: one row per CFD (diploma code)
-- upstream: stg_bcn__formation_diplome, stg_bcn__v_formation_diplome

with unioned as (
    select cfd_code, nsf_group_code, rncp_level_code, cfd_label, 1 as priority from stg_bcn__formation_diplome
    union all
    select cfd_code, nsf_group_code, rncp_level_code, cfd_label, 2 from stg_bcn__v_formation_diplome
)

select
    cfd_code,
    first(nsf_group_code order by priority, nsf_group_code) as nsf_group_code,
    first(try_cast(rncp_level_code as integer) order by priority, rncp_level_code) filter (
        where try_cast(rncp_level_code as integer) between 1 and 8
    ) as qualification_level,
    first(cfd_label order by priority, cfd_label) as cfd_label
from unioned
where cfd_code is not null
group by cfd_code
