-- purpose: the committed reference distribution covers every sector the warehouse scores, with a
--          positive spread; otherwise z-scores would be missing or infinite.
-- grain: one row per sector × indicator missing from the reference
-- upstream: ref_sectors, ref_standardisation

select case when r.sector_code is null then 'reference_missing' else 'spread_not_positive' end
           as failure_type,
       format('ref_standardisation: sector {} × indicator {} {} (every scored sector needs a '
              || 'reference with a positive sd)', s.sector_code, i.indicator,
              case when r.sector_code is null then 'is missing'
                   else 'has sd ' || coalesce(cast(r.sd as varchar), 'none') end) as description,
       s.sector_code, i.indicator
from ref_sectors as s
cross join (values ('log_hiring'), ('log_intensity'), ('log_difficult_intensity')) as i(indicator)
left join ref_standardisation as r on r.sector_code = s.sector_code and r.indicator = i.indicator
where s.sector_code <> 'NC'
  and (r.sector_code is null or cast(r.sd as double) is null or cast(r.sd as double) <= 0)
