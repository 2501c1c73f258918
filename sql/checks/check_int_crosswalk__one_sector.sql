-- purpose: every BMO métier and every training-offer row maps to exactly one sector (possibly the
--          explicit 'NC', counted in mart_quality__summary), and every sector code exists.
-- grain: one row per métier or training row that breaks the rule
-- upstream: int_crosswalk__metier_sector, int_training__offer, ref_sectors

select 'metier_sector_count' as failure_type,
       format('int_crosswalk__metier_sector: métier {} {} maps to {} sectors (exactly one expected)',
              metier_nomenclature, metier_code, count(*)) as description,
       'metier' as kind, metier_nomenclature || ' ' || metier_code as code, count(*) as n
from int_crosswalk__metier_sector
group by metier_nomenclature, metier_code
having count(*) <> 1
union all
select 'metier_sector_unknown',
       format('int_crosswalk__metier_sector: métier {} {} maps to sector {}, not in ref_sectors',
              metier_nomenclature, metier_code, sector_code),
       'metier sector unknown', metier_code, 1
from int_crosswalk__metier_sector
where sector_code not in (select sector_code from ref_sectors)
union all
select 'training_sector_unknown',
       format('int_training__offer: training {} at lycée {} has sector {}, not in ref_sectors',
              coalesce(training_code, '(no code)'), coalesce(uai_code, '(no UAI)'),
              coalesce(sector_code, '(none)')),
       'training sector unknown', coalesce(training_code, uai_code), 1
from int_training__offer
where sector_code is null or sector_code not in (select sector_code from ref_sectors)
