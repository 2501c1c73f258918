-- purpose: the name and département of every commune of the reference geography, so that reports
--          tell a non-candidate commune from an unknown name.
-- grain: one row per commune (COG 2025)
-- upstream: int_geo__communes

select
    commune_code,
    commune_label,
    departement_code
from int_geo__communes
