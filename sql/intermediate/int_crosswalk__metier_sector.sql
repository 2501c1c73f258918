-- purpose: every BMO métier of every vintage → one training sector, through its FAP family
--          (FAP 2009 families up to BMO 2023, FAP 2021 families from 2024; data/reference/*.csv).
--          A family missing from the crosswalk goes to 'NC' and is flagged, never dropped.
-- grain: one row per métier nomenclature × métier code
-- upstream: stg_france_travail__bmo, ref_fap2009_family_sector, ref_fap2021_family_sector

with metiers as (
    select metier_nomenclature, metier_code, min(metier_label) as metier_label,
           any_value(fap_family_code) as fap_family_code
    from stg_france_travail__bmo
    group by all
),

crosswalk as (
    select 'FAP2009' as nomenclature, fap_family_code, sector_code from ref_fap2009_family_sector
    union all
    select 'FAP2021', fap_family_code, sector_code from ref_fap2021_family_sector
)

select
    metiers.metier_nomenclature,
    metiers.metier_code,
    metiers.metier_label,
    metiers.fap_family_code,
    coalesce(crosswalk.sector_code, 'NC') as sector_code,
    crosswalk.sector_code is null as is_unmapped
from metiers
left join crosswalk
    on crosswalk.nomenclature = metiers.metier_nomenclature
   and crosswalk.fap_family_code = metiers.fap_family_code
