-- purpose: EPCI à fiscalité propre and their member communes (COG 2026).
-- grain: one row per member commune
-- upstream: src_etalab_epci_members

select
    commune_code,
    epci_siren,
    epci_label,
    epci_type_code
from src_etalab_epci_members
