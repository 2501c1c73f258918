-- purpose: the fixed reference distribution (ref_standardisation, written by `gpect reference`)
--          pivoted to one row per sector, read as typed columns named <indicator>_<statistic>
--          by every model that standardises against it.
-- grain: one row per sector code of ref_standardisation ('NC' included: it carries the
--        all-fields level-6 access)
-- upstream: ref_standardisation

with source as (
    select
        sector_code,
        indicator,
        cast(mean as double) as mean,
        cast(sd as double) as sd,
        cast(median as double) as median,
        cast(national_total as double) as national_total
    from ref_standardisation
)

select
    sector_code,
    max(mean) filter (where indicator = 'log_hiring') as log_hiring_mean,
    max(sd) filter (where indicator = 'log_hiring') as log_hiring_sd,
    max(mean) filter (where indicator = 'log_intensity') as log_intensity_mean,
    max(sd) filter (where indicator = 'log_intensity') as log_intensity_sd,
    max(mean) filter (where indicator = 'log_difficult_intensity') as log_difficult_intensity_mean,
    max(sd) filter (where indicator = 'log_difficult_intensity') as log_difficult_intensity_sd,
    max(mean) filter (where indicator = 'log_access') as log_access_mean,
    max(sd) filter (where indicator = 'log_access') as log_access_sd,
    max(median) filter (where indicator = 'log_access') as access_median,
    max(median) filter (where indicator = 'access_l4') as access_l4_median,
    max(median) filter (where indicator = 'access_l5') as access_l5_median,
    max(median) filter (where indicator = 'access_l6') as access_l6_median,
    max(national_total) filter (where indicator = 'access_l4') as access_l4_national_total,
    max(national_total) filter (where indicator = 'access_l5') as access_l5_national_total
from source
group by sector_code
