-- purpose: Etalab découpage administratif communes (COG 2026): names, types, arrondissement parents.
-- grain: one row per code × type (communes actuelles, déléguées, associées, arrondissements)
-- upstream: src_etalab_communes

select
    commune_code,
    commune_label,
    commune_type,
    departement_code,
    region_code,
    parent_commune_code,
    municipal_population_count
from src_etalab_communes
