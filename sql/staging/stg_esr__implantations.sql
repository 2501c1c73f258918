-- purpose: public higher-education sites with their commune and enrolled students (the only size
--          measure published; used as the sites' capacity proxy).
-- grain: one row per implantation (UAI)
-- upstream: src_esr_implantations

with source as (
    select * from src_esr_implantations
),

renamed as (
    select
        ---------- ids
        uai_code,
        commune_code,
        ---------- text
        site_label,
        head_institution_label,
        ---------- counts
        students_count,
        ---------- vintage
        vintage
    from source
    where commune_code is not null
)

select * from renamed
