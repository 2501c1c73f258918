-- purpose: BCN MEF_STAT_11 → CFD: the statistical MEF code used by Affelnet, Parcoursup and the
--          constat de rentrée. A handful of MEF_STAT_11 codes carry two CFD; the most frequent wins.
-- grain: one row per MEF_STAT_11 code
-- upstream: src_bcn_mef

select mef_stat_11_code as mefstat11_code, mode(cfd_code) as cfd_code
from src_bcn_mef
where mef_stat_11_code is not null and cfd_code is not null
group by 1
