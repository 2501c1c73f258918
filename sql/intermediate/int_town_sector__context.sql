-- purpose: what the sector diagnostic of a town needs besides BMO, one row per town and sector:
--          accessible supply (E2SFCA places per 1,000 working-age residents, all levels and 4/5/6)
--          against its national median over communes (int_reference__by_sector); whether the
--          sources cover the sector's supply at all (national mean log access below the param
--          min_national_mean_log_access, e.g. health schools
--          are absent: the supply gap is then neutral, never read as a shortage); the official
--          tension class of the town's bassin; the suggested level — among levels 4, 5 and 6 that
--          the supply data cover nationally, the one whose accessible supply is thinnest against
--          its national median (macro access_ratio; higher-education sites carry no field of
--          study, so level 6 is measured over all fields; ties go to the higher level) —; and the operator catalogue
--          (push: which sectors and levels the operator delivers).
-- grain: one row per town × sector (every sector but 'NC')
-- upstream: int_towns__candidates, ref_sectors, int_access__commune_sector,
--           int_reference__by_sector, int_tension__bassin_sector, int_geo__communes,
--           ref_operator_catalogue, params

with all_fields_l6 as (
    select max(access_l6_median) as median_l6 from int_reference__by_sector where sector_code = 'NC'
),

joined as (
    select
        t.town_code, t.town_label, s.sector_code, s.sector_label,
        coalesce(a.access_all, 0) as access_all,
        coalesce(a.access_l4, 0) as access_l4,
        coalesce(a.access_l5, 0) as access_l5,
        coalesce(he.access_l6, 0) as access_l6,
        ref.access_median as median_access, ref.access_l4_median as median_l4,
        ref.access_l5_median as median_l5, all_fields_l6.median_l6,
        ref.access_l4_national_total as total_l4, ref.access_l5_national_total as total_l5,
        coalesce(ref.log_access_mean, 0) < params.min_national_mean_log_access
            or ref.log_access_sd is null or ref.log_access_sd = 0 as is_supply_data_thin,
        tension.tension_class
    from int_towns__candidates as t
    cross join ref_sectors as s
    cross join all_fields_l6
    cross join params
    join int_geo__communes as g on g.commune_code = t.town_code
    left join int_access__commune_sector as a on a.commune_code = t.town_code and a.sector_code = s.sector_code
    left join int_access__commune_sector as he on he.commune_code = t.town_code and he.sector_code = 'NC'
    left join int_reference__by_sector as ref on ref.sector_code = s.sector_code
    left join int_tension__bassin_sector as tension
        on tension.bassin_code = g.bassin_code and tension.sector_code = s.sector_code
    where s.sector_code <> 'NC'
),

levels as (
    -- The thinnest ratio; on a tie, the higher level (the key orders by ratio, then by -level).
    select town_code, sector_code, arg_min(level, (ratio, -level)) as suggested_level
    from (
        select town_code, sector_code, 4 as level, access_ratio(access_l4, median_l4) as ratio
        from joined where total_l4 > 0
        union all
        select town_code, sector_code, 5, access_ratio(access_l5, median_l5)
        from joined where total_l5 > 0
        union all
        select town_code, sector_code, 6, access_ratio(access_l6, median_l6)
        from joined
    )
    group by all
),

catalogue as (
    select sector_code,
           list(distinct cast(qualification_level as integer) order by cast(qualification_level as integer)) as operator_levels,
           bool_or(distance_learning = 'true') as operator_distance_learning,
           bool_or(work_study = 'true') as operator_work_study
    from ref_operator_catalogue
    group by sector_code
)

select
    j.town_code,
    j.town_label,
    j.sector_code,
    j.sector_label,
    j.access_all as accessible_places_per_1000,
    j.median_access as national_median_places_per_1000,
    j.is_supply_data_thin,
    j.tension_class,
    l.suggested_level,
    c.operator_levels,
    c.sector_code is not null as is_in_operator_catalogue,
    coalesce(list_contains(c.operator_levels, l.suggested_level), false) as operator_can_deliver_level,
    coalesce(c.operator_distance_learning, false) as operator_distance_learning,
    coalesce(c.operator_work_study, false) as operator_work_study
from joined as j
left join levels as l using (town_code, sector_code)
left join catalogue as c using (sector_code)
