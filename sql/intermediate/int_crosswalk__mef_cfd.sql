-- purpose: MEF_STAT_11 → CFD (BCN). A handful of MEF_STAT_11 codes carry two CFD; the most
--          frequent wins (ties: the smallest).
-- grain: one row per MEF_STAT_11 code
-- upstream: stg_bcn__mef

with votes as (
    select mefstat11_code, cfd_code, count(*) as n
    from stg_bcn__mef
    where mefstat11_code is not null and cfd_code is not null
    group by all
)

select mefstat11_code, first(cfd_code order by n desc, cfd_code) as cfd_code
from votes
group by 1
