-- purpose: apportionment conserves projects: summed over bassins (or zones d'emploi) they equal
--          the BMO cells minus the counted unapportioned cells, per survey year.
-- grain: one row per territory type × survey year out of balance
-- upstream: int_territory__metier_projects, int_bmo__cells, int_bmo__unapportioned

with expected as (
    select c.survey_year, sum(c.hiring_projects) - coalesce(any_value(u.hiring), 0) as hiring
    from int_bmo__cells as c
    left join (select survey_year, sum(hiring_projects) as hiring from int_bmo__unapportioned group by 1) as u
        using (survey_year)
    group by c.survey_year
),

observed as (
    select territory_type, survey_year, sum(hiring_projects) as hiring
    from int_territory__metier_projects
    where territory_type in ('bassin', 'zone_emploi')
    group by all
)

select
    'apportionment_not_conserved' as failure_type,
    format('int_territory__metier_projects {} × survey year {}: {:.1f} hiring projects summed over '
           || 'territories, {:.1f} in int_bmo__cells minus int_bmo__unapportioned',
           observed.territory_type, observed.survey_year, cast(observed.hiring as double),
           cast(expected.hiring as double))
        as description,
    observed.territory_type, observed.survey_year, observed.hiring, expected.hiring as expected_hiring
from observed join expected using (survey_year)
where abs(observed.hiring - expected.hiring) > 0.5 + 1e-6 * expected.hiring
