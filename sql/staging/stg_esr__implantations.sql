-- purpose: public higher-education sites with their commune and enrolled students (the only size
--          measure published; used as the sites' capacity proxy).
-- grain: one row per implantation (UAI)
-- upstream: src_esr_implantations

select
    uai_code,
    site_label,
    head_institution_label,
    commune_code,
    students_count
from src_esr_implantations
where commune_code is not null
