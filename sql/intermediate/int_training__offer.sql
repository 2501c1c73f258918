-- purpose: the unified training offer with its size, sector and qualification level:
--          * vocational lycées: Affelnet entry capacities in `places` (2nde pro → level 4, CAP →
--            level 3);
--          * BTS: Parcoursup capacities in `places`, school and apprenticeship (level 5);
--          * higher-education sites: enrolled `students` (level 6), sector 'NC' because the file
--            gives no field of study; no capacity is published, so `places_or_students`, the
--            size every supply measure weighs, takes the students as the sites' size proxy.
--          MEF_STAT_11 → CFD (BCN) → NSF group → sector; UAI → commune; codes re-based to COG 2025.
--          Rows that cannot be located or classified are kept with NULL commune or 'NC' sector.
-- grain: one row per source × UAI × training code × status
-- upstream: stg_education__affelnet, stg_esr__parcoursup_bts, stg_esr__implantations, int_crosswalk__mef_cfd,
--           int_crosswalk__training_sector, int_geo__uai_communes, int_geo__code_passage

with affelnet as (
    select 'lycee_pro' as source, rentree_year as vintage_year, uai_code, mefstat11_code as training_code,
           'scolaire' as status, places, null::bigint as students, is_capacity_unlimited
    from stg_education__affelnet
),

bts as (
    select 'bts', session_year, uai_code, mefstat11_code, lower(status_label), places, null, false
    from stg_esr__parcoursup_bts
),

vocational as (
    select v.*, x.sector_code, x.is_unmapped, x.qualification_level
    from (select * from affelnet union all select * from bts) as v
    left join int_crosswalk__mef_cfd as m on m.mefstat11_code = v.training_code
    left join int_crosswalk__training_sector as x on x.cfd_code = m.cfd_code
),

higher_education as (
    select 'higher_education' as source, null::integer as vintage_year, uai_code, null as training_code,
           'scolaire' as status, null as places, students_count as students, false as is_capacity_unlimited,
           'NC' as sector_code, false as is_unmapped, 6 as qualification_level, commune_code
    from stg_esr__implantations
),

located as (
    select vocational.*, u.commune_code from vocational
    left join int_geo__uai_communes as u using (uai_code)
    union all by name
    select * from higher_education
)

select
    source,
    vintage_year,
    uai_code,
    training_code,
    status,
    places,
    students,
    coalesce(places, students) as places_or_students,
    is_capacity_unlimited,
    coalesce(sector_code, 'NC') as sector_code,
    sector_code is null or is_unmapped as is_sector_unmapped,
    case when source = 'bts' then 5 else qualification_level end as qualification_level,
    m.current_code as commune_code
from located
left join int_geo__code_passage as m on m.old_code = located.commune_code and m.share = (
    select max(share) from int_geo__code_passage as m2 where m2.old_code = located.commune_code
)
