-- purpose: EPCI à fiscalité propre and their member communes (COG 2026).
-- grain: one row per member commune
-- upstream: src_etalab_epci_members

with source as (
    select * from src_etalab_epci_members
),

renamed as (
    select
        ---------- ids
        commune_code,
        epci_siren,
        epci_type_code,
        ---------- text
        epci_label
    from source
)

select * from renamed
