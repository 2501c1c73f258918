-- purpose: every BMO métier and every training-offer row maps to exactly one sector (possibly the
--          explicit 'NC', counted in mart_quality__summary), and every sector code exists.
-- grain: one row per métier or training row that breaks the rule
-- upstream: int_crosswalk__metier_sector, int_training__offer, ref_sectors

select 'metier' as kind, metier_nomenclature || ' ' || metier_code as code, count(*) as n
from int_crosswalk__metier_sector
group by all
having count(*) <> 1
union all
select 'metier sector unknown', metier_code, 1
from int_crosswalk__metier_sector
where sector_code not in (select sector_code from ref_sectors)
union all
select 'training sector unknown', coalesce(training_code, uai_code), 1
from int_training__offer
where sector_code is null or sector_code not in (select sector_code from ref_sectors)
