-- purpose: BMO cells whose bassin × département has no commune in the reference geography (bassin
--          recoded after the zonage file, overseas collectivities…): counted, shown, not spread.
-- grain: one row per survey year × bassin × département
-- upstream: int_bmo__cells, int_bmo__apportionment_weights

select
    survey_year,
    bassin_code,
    min(bassin_label) as bassin_label,
    departement_code,
    sum(hiring_projects) as hiring_projects,
    count(*) as cells
from int_bmo__cells as c
where not exists (
    select 1 from int_bmo__apportionment_weights as w
    where w.bassin_code = c.bassin_code and w.departement_code = c.departement_code
)
group by survey_year, bassin_code, departement_code
