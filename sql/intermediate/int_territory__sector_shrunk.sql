-- purpose: difficulty rates per territory and sector shrunk toward the territory's département (or
--          région, or national) prior by empirical Bayes (macro shrunk_rate), with the prior and
--          κ of int_bmo__prior_rates. Both the indicators and the reference distribution read
--          this one definition.
-- grain: one row per territory type × territory code × survey year × sector
-- upstream: int_territory__sector_projects, int_territory__departement, int_bmo__prior_rates

select
    p.*,
    pr.prior_rate,
    pr.prior_level,
    pr.prior_strength,
    shrunk_rate(p.difficult_projects, p.hiring_projects, pr.prior_rate, pr.prior_strength)
        as difficulty_rate_shrunk
from int_territory__sector_projects as p
join int_territory__departement as d using (territory_type, territory_code)
left join int_bmo__prior_rates as pr
    on pr.survey_year = p.survey_year and pr.sector_code = p.sector_code
   and pr.departement_code = d.departement_code
