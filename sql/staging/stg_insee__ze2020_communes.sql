-- purpose: INSEE zones d'emploi 2020 composition (COG 2022).
-- grain: one row per commune code (COG 2022)
-- upstream: src_ze2020_communes

select
    commune_code,
    ze2020_code,
    ze2020_label
from src_ze2020_communes
