-- purpose: ROME v3 code → training sector through Dares' ROME → FAP 2009 table; a ROME spread over
--          families of several sectors takes the sector of most of its families.
-- grain: one row per ROME code
-- upstream: stg_dares__rome_fap2009, ref_fap2009_family_sector

select
    r.rome_code,
    mode(x.sector_code) as sector_code
from stg_dares__rome_fap2009 as r
join ref_fap2009_family_sector as x on x.fap_family_code = r.fap87_code
group by r.rome_code
