-- purpose: Affelnet capacities of the vocational lycée offer (2nde pro and CAP first year) of the
--          rentrée chosen in ref_vintages. A capacity of 999 is Affelnet's "no set limit", not 999 places: NULL.
-- grain: one row per UAI × MEF_STAT_11
-- upstream: src_affelnet_capacities, ref_vintages

with source as (
    select * from src_affelnet_capacities
    where vintage in (select vintage from ref_vintages where dataset = 'affelnet_capacities' and is_selected)
),

renamed as (
    select
        ---------- ids
        uai_code,
        mefstat11_code,
        ---------- dates
        cast(vintage as integer) as rentree_year,
        ---------- counts
        case when capacity_count = 999 then null else capacity_count end as places,
        ---------- booleans
        capacity_count = 999 as is_capacity_unlimited
    from source
)

select * from renamed
