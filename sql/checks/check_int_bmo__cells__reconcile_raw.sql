-- purpose: national BMO totals of published (non-secret) cells in the warehouse equal the raw
--          files', per survey year and measure; no cell is lost or duplicated on the way.
-- grain: one row per survey year whose totals differ
-- upstream: int_bmo__cells, src_bmo

with warehouse as (
    select survey_year, count(*) as cells,
           sum(hiring_projects) filter (where not is_hiring_estimated) as hiring,
           sum(difficult_projects) filter (where not is_difficult_estimated) as difficult
    from int_bmo__cells group by 1
),

raw as (
    select cast(vintage as integer) as survey_year, count(*) as cells,
           sum(hiring_projects_count) as hiring, sum(difficult_projects_count) as difficult
    from src_bmo group by 1
)

select
    case when warehouse.survey_year is null then 'survey_year_missing'
         when raw.survey_year is null then 'survey_year_unknown'
         when raw.cells <> warehouse.cells then 'cell_count_differs'
         else 'published_totals_differ' end as failure_type,
    format('int_bmo__cells survey year {}: {} cells, {} hiring and {} difficult published projects; '
           || 'src_bmo: {} cells, {} and {} (the warehouse must keep every raw cell once)',
           coalesce(raw.survey_year, warehouse.survey_year), coalesce(warehouse.cells, 0),
           coalesce(warehouse.hiring, 0), coalesce(warehouse.difficult, 0), coalesce(raw.cells, 0),
           coalesce(raw.hiring, 0), coalesce(raw.difficult, 0)) as description,
    raw.survey_year, raw.cells, warehouse.cells as warehouse_cells, raw.hiring, warehouse.hiring as warehouse_hiring
from raw
full join warehouse using (survey_year)
where raw.cells is distinct from warehouse.cells
   or raw.hiring is distinct from warehouse.hiring
   or raw.difficult is distinct from warehouse.difficult
