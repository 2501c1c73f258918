-- purpose: diploma code (CFD) → training sector through its NSF group (data/reference/
--          nsf_group_sector.csv; a label pattern refines a group that mixes two sectors), and its
--          RNCP qualification level. A CFD without NSF group goes to 'NC', flagged.
-- grain: one row per CFD
-- upstream: int_training__diplomas, ref_nsf_group_sector

with candidates as (
    select
        f.cfd_code,
        f.qualification_level,
        f.cfd_label,
        f.nsf_group_code,
        x.sector_code,
        -- A row with a matching label pattern is more specific than the group's default row.
        case when coalesce(x.label_pattern, '') <> '' then 0 else 1 end as specificity
    from int_training__diplomas as f
    left join ref_nsf_group_sector as x
        on x.nsf_group_code = f.nsf_group_code
       and (coalesce(x.label_pattern, '') = ''
            or regexp_matches(upper(f.cfd_label), x.label_pattern))
)

select
    cfd_code,
    any_value(qualification_level) as qualification_level,
    any_value(nsf_group_code) as nsf_group_code,
    coalesce(arg_min(sector_code, specificity), 'NC') as sector_code,
    arg_min(sector_code, specificity) is null as is_unmapped
from candidates
group by cfd_code
