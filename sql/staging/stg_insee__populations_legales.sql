-- purpose: INSEE populations légales by commune (municipal and total), geography COG 2025;
--          Paris, Lyon and Marseille are given by arrondissement municipal.
-- grain: one row per commune or arrondissement municipal code
-- upstream: src_populations_legales_communes

select
    commune_code,
    commune_label,
    departement_code,
    region_code,
    municipal_population_count,
    total_population_count
from src_populations_legales_communes
