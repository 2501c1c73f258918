-- purpose: lycées of the IPS rentrée chosen in ref_vintages with their type (LP, LPO, LEGT) and
--          status (public or private, the file's "secteur"), to find vocational partners in a town.
-- grain: one row per UAI
-- upstream: src_ips_lycees, ref_vintages

with source as (
    select * from src_ips_lycees
    where vintage in (select vintage from ref_vintages where dataset = 'ips_lycees' and is_selected)
),

renamed as (
    select
        ---------- ids
        uai_code,
        commune_code,
        lycee_type_code,
        ---------- text
        establishment_label,
        sector_label as school_status
    from source
)

select * from renamed
