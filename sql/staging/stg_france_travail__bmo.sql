-- purpose: BMO hiring projects as published, one vintage per survey year; secret cells stay NULL
--          with their flags (estimates are made in int_bmo__cells, never here).
-- grain: one row per survey year × bassin BMO × département × métier
-- upstream: src_bmo

with source as (
    select * from src_bmo
),

renamed as (
    select
        ---------- dates
        cast(vintage as integer) as survey_year,
        ---------- ids and text
        metier_nomenclature,
        metier_code,
        metier_label,
        left(metier_code, 3) as fap_family_code,
        family_code as bmo_family_code,
        family_label as bmo_family_label,
        region_code,
        departement_code,
        departement_label,
        bassin_code,
        bassin_label,
        ---------- counts (NULL where secret)
        hiring_projects_count,
        difficult_projects_count,
        seasonal_projects_count,
        ---------- booleans: secret cells
        hiring_projects_count_is_secret as is_hiring_secret,
        difficult_projects_count_is_secret as is_difficult_secret,
        seasonal_projects_count_is_secret as is_seasonal_secret,
        ---------- file order
        source_row
    from source
)

select * from renamed
