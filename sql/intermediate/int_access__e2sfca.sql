-- purpose: accessible training supply by the enhanced two-step floating catchment area method
--          (Luo & Qi 2009). Supply S_j = places_or_students at commune j; demand P_k = working-age
--          population;
--          W(t) = band weights (0–10, 10–20, 20–catchment minutes: 1.00 / 0.68 / 0.22 by default).
--          Step 1: R_j = S_j / Σ_k P_k W(t_kj).  Step 2: A_i = Σ_j R_j W(t_ij), places per resident.
-- grain: one row per commune × sector × qualification level (communes with some access only)
-- upstream: int_access__supply, int_geo__commune_pairs, int_geo__communes, params

with weighted_pairs as (
    select origin_code, destination_code,
           case when travel_minutes <= p.band1_minutes then p.band1_weight
                when travel_minutes <= p.band2_minutes then p.band2_weight
                else p.band3_weight end as w
    from int_geo__commune_pairs, params as p
),

supply as (select * from int_access__supply),

demand_around_supply as (
    -- Σ_k P_k W(t_kj) for every supply commune j
    select s.commune_code, sum(coalesce(c.working_age_population, 0) * wp.w) as weighted_demand
    from (select distinct commune_code from supply) as s
    join weighted_pairs as wp on wp.destination_code = s.commune_code
    join int_geo__communes as c on c.commune_code = wp.origin_code
    group by 1
),

ratios as (
    select s.commune_code, s.sector_code, s.qualification_level,
           s.places_or_students / nullif(d.weighted_demand, 0) as supply_ratio
    from supply as s
    join demand_around_supply as d using (commune_code)
)

select
    wp.origin_code as commune_code,
    r.sector_code,
    r.qualification_level,
    sum(r.supply_ratio * wp.w) * 1000 as accessible_places_per_1000
from weighted_pairs as wp
join ratios as r on r.commune_code = wp.destination_code
group by all
