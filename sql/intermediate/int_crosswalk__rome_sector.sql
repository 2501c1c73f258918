-- purpose: ROME v3 code → training sector through Dares' ROME → FAP 2009 table; a ROME spread over
--          families of several sectors takes the sector of most of its families (ties: smallest code).
-- grain: one row per ROME code
-- upstream: stg_dares__rome_fap2009, ref_fap2009_family_sector

with votes as (
    select r.rome_code, x.sector_code, count(*) as n
    from stg_dares__rome_fap2009 as r
    join ref_fap2009_family_sector as x on x.fap_family_code = r.fap87_code
    group by all
)

select rome_code, first(sector_code order by n desc, sector_code) as sector_code
from votes
group by rome_code
