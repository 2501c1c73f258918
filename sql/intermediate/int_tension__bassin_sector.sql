-- purpose: official Dares/France Travail tension class (1 = low … 5 = very high) by bassin and
--          training sector, of the year chosen in ref_vintages: the ROME × bassin classes averaged over the ROME codes of
--          the sector, weighted by their job offers, rounded to a class.
-- grain: one row per bassin × sector
-- upstream: stg_dares__tension_rome_bassin, int_crosswalk__rome_sector

select
    t.tension_year,
    t.bassin_code,
    x.sector_code,
    round(sum(t.tension_class * coalesce(t.job_offers_avg, 0)) / nullif(sum(coalesce(t.job_offers_avg, 0)), 0))
        as tension_class,
    sum(t.job_offers_avg) as job_offers_avg
from stg_dares__tension_rome_bassin as t
join int_crosswalk__rome_sector as x using (rome_code)
group by all
