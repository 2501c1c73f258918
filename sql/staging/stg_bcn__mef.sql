-- purpose: BCN MEF_STAT_11 → CFD: the statistical MEF code used by Affelnet, Parcoursup and the
--          constat de rentrée. A handful of MEF_STAT_11 codes carry two CFD; the most frequent wins (ties: smallest).
-- grain: one row per MEF_STAT_11 code
-- upstream: src_bcn_mef

with votes as (
    select mef_stat_11_code, cfd_code, count(*) as n
    from src_bcn_mef
    where mef_stat_11_code is not null and cfd_code is not null
    group by all
)

select mef_stat_11_code as mefstat11_code, first(cfd_code order by n desc, cfd_code) as cfd_code
from votes
group by 1
