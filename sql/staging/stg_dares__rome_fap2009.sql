-- purpose: Dares correspondence ROME v3 → FAP 2009 (225 level). The workbook is hierarchical:
--          a FAP code stands on the first line of its block and ROME codes follow on continuation
--          lines, so the FAP code is carried forward in file order (source_row) before the
--          continuation lines are kept.
-- grain: one row per ROME code × FAP 2009 (225) code
-- upstream: src_dares_rome_fap2009

with source as (
    select * from src_dares_rome_fap2009
),

renamed as (
    select distinct
        ---------- ids
        rome_code,
        last_value(case when length(fap_code) = 5 then fap_code end ignore nulls)
            over (order by source_row rows between unbounded preceding and current row) as fap225_code,
        left(fap225_code, 3) as fap87_code
    from source
    qualify regexp_full_match(rome_code, '[A-N]\d{4}') and fap225_code is not null
)

select * from renamed
