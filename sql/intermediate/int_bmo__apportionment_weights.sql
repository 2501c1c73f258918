-- purpose: BMO comes by bassin × département; each commune receives the share of its working-age
--          population (15–64, census) within its bassin × département cell. A cell whose communes
--          have no working-age figure falls back to equal shares.
-- grain: one row per commune (weight of the commune inside its bassin × département)
-- upstream: int_geo__communes

with communes as (
    select commune_code, bassin_code, departement_code, coalesce(working_age_population, 0) as wa
    from int_geo__communes
    where bassin_code is not null
)

select
    commune_code,
    bassin_code,
    departement_code,
    case when sum(wa) over cell > 0 then wa / sum(wa) over cell
         else 1.0 / count(*) over cell end as weight
from communes
window cell as (partition by bassin_code, departement_code)
