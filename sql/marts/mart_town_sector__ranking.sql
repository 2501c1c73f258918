-- purpose: ranked training sectors for each candidate town (latest BMO vintage). Score = Σ weight ×
--          component (weights: params weight_*):
--          * demand_pressure: z of difficult hiring projects per 1,000 working-age residents;
--          * volume_intensity: mean of the z of hiring projects and of hiring per 1,000;
--          * supply_gap: z of hiring per 1,000 minus z of E2SFCA accessible places per 1,000.
--          z-scores use the fixed reference (ref_standardisation). Where the supply data barely
--          cover a sector nationally (mean log access < 0.1: e.g. health schools are absent from
--          the sources), the supply gap is set to 0 and flagged rather than read as a shortage.
--          Reasons: the two strongest positive components in plain French (+ the official tension
--          class when 4 or 5). Suggested level: among levels 4, 5 and 6 that the sector's supply
--          data cover nationally, the one whose accessible supply is thinnest against its national
--          median; higher-education sites carry no field of study, so level 6 is measured over all
--          fields. Push: the operator catalogue (ref_operator_catalogue).
-- grain: one row per town × sector (every sector but 'NC')
-- upstream: int_towns__candidates, ref_sectors, mart_territory_sector__indicators,
--           int_access__commune_sector, ref_standardisation, int_bmo__prior_rates,
--           ref_operator_catalogue, param_settings

with latest as (
    select max(survey_year) as survey_year from mart_territory_sector__indicators
),

w as (
    select
        max(value) filter (where name = 'weight_demand_pressure') as w_dp,
        max(value) filter (where name = 'weight_volume_intensity') as w_vi,
        max(value) filter (where name = 'weight_supply_gap') as w_sg,
        max(value) filter (where name = 'catchment_minutes') as minutes
    from param_settings
),

ref as (
    select sector_code,
           max(cast(mean as double)) filter (where indicator = 'log_hiring') as m_h,
           max(cast(sd as double)) filter (where indicator = 'log_hiring') as s_h,
           max(cast(mean as double)) filter (where indicator = 'log_intensity') as m_i,
           max(cast(sd as double)) filter (where indicator = 'log_intensity') as s_i,
           max(cast(mean as double)) filter (where indicator = 'log_difficult_intensity') as m_d,
           max(cast(sd as double)) filter (where indicator = 'log_difficult_intensity') as s_d,
           max(cast(mean as double)) filter (where indicator = 'log_access') as m_a,
           max(cast(sd as double)) filter (where indicator = 'log_access') as s_a,
           max(cast(median as double)) filter (where indicator = 'log_access') as median_access,
           max(cast(median as double)) filter (where indicator = 'log_intensity') as median_intensity,
           max(cast(median as double)) filter (where indicator = 'log_difficult_intensity')
               as median_difficult_intensity,
           max(cast(median as double)) filter (where indicator = 'access_l4') as median_l4,
           max(cast(median as double)) filter (where indicator = 'access_l5') as median_l5,
           max(cast(national_total as double)) filter (where indicator = 'access_l4') as total_l4,
           max(cast(national_total as double)) filter (where indicator = 'access_l5') as total_l5
    from ref_standardisation
    group by sector_code
),

all_fields_l6 as (
    -- Higher-education sites have no field of study: level 6 supply is read across all fields.
    select max(cast(median as double)) as median_l6
    from ref_standardisation where indicator = 'access_l6' and sector_code = 'NC'
),

national as (
    select sector_code, any_value(national_rate) as national_difficulty_rate
    from int_bmo__prior_rates, latest
    where int_bmo__prior_rates.survey_year = latest.survey_year
    group by sector_code
),

grid as (
    select t.town_code, t.town_label, s.sector_code, s.sector_label
    from int_towns__candidates as t
    cross join ref_sectors as s
    where s.sector_code <> 'NC'
),

joined as (
    select
        grid.town_code, grid.town_label, grid.sector_code, grid.sector_label,
        coalesce(i.hiring_projects, 0) as hiring_projects,
        coalesce(i.difficult_projects, 0) as difficult_projects,
        i.difficulty_rate_shrunk,
        coalesce(i.hiring_per_1000, 0) as hiring_per_1000,
        coalesce(i.estimated_share, 0) as estimated_share,
        i.tension_class,
        coalesce(i.z_demand_pressure, (0 - ref.m_d) / nullif(ref.s_d, 0)) as z_demand_pressure,
        coalesce(i.z_hiring, (0 - ref.m_h) / nullif(ref.s_h, 0)) as z_hiring,
        coalesce(i.z_intensity, (0 - ref.m_i) / nullif(ref.s_i, 0)) as z_intensity,
        coalesce(a.access_all, 0) as access_all,
        coalesce(a.access_l4, 0) as access_l4,
        coalesce(a.access_l5, 0) as access_l5,
        coalesce(he.access_l6, 0) as access_l6,
        ref.m_a, ref.s_a, ref.median_access, ref.median_intensity, ref.median_difficult_intensity,
        ref.median_l4, ref.median_l5, all_fields_l6.median_l6, ref.total_l4, ref.total_l5,
        national.national_difficulty_rate,
        coalesce(ref.m_a, 0) < 0.1 or ref.s_a is null or ref.s_a = 0 as is_supply_data_thin
    from grid
    cross join latest
    left join mart_territory_sector__indicators as i
        on i.territory_type = 'catchment' and i.territory_code = grid.town_code
       and i.sector_code = grid.sector_code and i.survey_year = latest.survey_year
    left join int_access__commune_sector as a
        on a.commune_code = grid.town_code and a.sector_code = grid.sector_code
    left join int_access__commune_sector as he on he.commune_code = grid.town_code and he.sector_code = 'NC'
    cross join all_fields_l6
    left join ref on ref.sector_code = grid.sector_code
    left join national on national.sector_code = grid.sector_code
),

components as (
    select
        joined.*,
        coalesce(z_demand_pressure, 0) as demand_pressure,
        (coalesce(z_hiring, 0) + coalesce(z_intensity, 0)) / 2 as volume_intensity,
        case when is_supply_data_thin then 0
             else coalesce(z_intensity, 0) - (ln(1 + access_all) - m_a) / s_a end as supply_gap
    from joined
),

scored as (
    select
        components.*,
        w.w_dp * demand_pressure as contribution_demand_pressure,
        w.w_vi * volume_intensity as contribution_volume_intensity,
        w.w_sg * supply_gap as contribution_supply_gap,
        w.w_dp * demand_pressure + w.w_vi * volume_intensity + w.w_sg * supply_gap as score,
        w.minutes
    from components, w
),

reasons as (
    -- Numbers in French: no-break space between thousands, decimal comma.
    select
        town_code,
        sector_code,
        list(reason order by contribution desc)[1:2] as top_reasons
    from (
        select town_code, sector_code, contribution_demand_pressure as contribution,
               format('{} recrutements difficiles pour 1 000 habitants de 15 à 64 ans (médiane des bassins : {}), {} % des projets (France : {} %)',
                      translate(format('{:,.1f}', hiring_per_1000 * coalesce(difficulty_rate_shrunk, 0)), ',.', ' ,'),
                      translate(format('{:,.1f}', coalesce(median_difficult_intensity, 0)), ',.', ' ,'),
                      format('{:.0f}', 100 * coalesce(difficulty_rate_shrunk, 0)),
                      format('{:.0f}', 100 * coalesce(national_difficulty_rate, 0))) as reason
        from scored
        union all
        select town_code, sector_code, contribution_volume_intensity,
               format('{} projets de recrutement à moins de {} minutes, {} pour 1 000 habitants de 15 à 64 ans (médiane des bassins : {})',
                      translate(format('{:,.0f}', hiring_projects), ',', ' '),
                      format('{:.0f}', minutes),
                      translate(format('{:,.1f}', hiring_per_1000), ',.', ' ,'),
                      translate(format('{:,.1f}', coalesce(median_intensity, 0)), ',.', ' ,'))
        from scored
        union all
        select town_code, sector_code, contribution_supply_gap,
               format('offre de formation accessible faible : {} place pour 1 000 habitants de 15 à 64 ans (médiane nationale : {})',
                      translate(format('{:,.2f}', access_all), ',.', ' ,'),
                      translate(format('{:,.2f}', coalesce(median_access, 0)), ',.', ' ,'))
        from scored
    )
    where contribution > 0
    group by all
),

levels as (
    -- Ratio of the town's accessible supply to the national median; ties go to the higher level.
    select town_code, sector_code, arg_min(level, ratio * 10 - level * 0.001) as suggested_level
    from (
        select town_code, sector_code, 4 as level,
               case when median_l4 > 0 then access_l4 / median_l4 when access_l4 > 0 then 10 else 0 end as ratio
        from scored where total_l4 > 0
        union all
        select town_code, sector_code, 5,
               case when median_l5 > 0 then access_l5 / median_l5 when access_l5 > 0 then 10 else 0 end
        from scored where total_l5 > 0
        union all
        select town_code, sector_code, 6,
               case when median_l6 > 0 then access_l6 / median_l6 when access_l6 > 0 then 10 else 0 end
        from scored
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
    s.town_code,
    s.town_label,
    s.sector_code,
    s.sector_label,
    row_number() over (partition by s.town_code order by s.score desc, s.sector_code) as rank,
    s.score,
    s.demand_pressure,
    s.volume_intensity,
    s.supply_gap,
    s.contribution_demand_pressure,
    s.contribution_volume_intensity,
    s.contribution_supply_gap,
    s.hiring_projects,
    s.difficult_projects,
    s.difficulty_rate_shrunk,
    s.hiring_per_1000,
    s.access_all as accessible_places_per_1000,
    s.tension_class,
    s.estimated_share,
    s.is_supply_data_thin,
    array_to_string(
        coalesce(r.top_reasons, ['aucun indicateur au-dessus de la référence nationale'])
        || case when s.tension_class >= 4
                then [format('tension officielle {:.0f}/5 dans le bassin', s.tension_class)]
                else [] end,
        ' ; ') as reasons,
    l.suggested_level,
    c.operator_levels,
    c.sector_code is not null as is_in_operator_catalogue,
    coalesce(list_contains(c.operator_levels, l.suggested_level), false) as operator_can_deliver_level,
    coalesce(c.operator_distance_learning, false) as operator_distance_learning,
    coalesce(c.operator_work_study, false) as operator_work_study
from scored as s
left join reasons as r using (town_code, sector_code)
left join levels as l using (town_code, sector_code)
left join catalogue as c using (sector_code)
