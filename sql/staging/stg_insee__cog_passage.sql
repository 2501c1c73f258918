-- purpose: INSEE annual passage table, commune level: any former commune code → its COG 2025 code.
-- grain: one row per former code × current code (a re-established commune splits a former code)
-- upstream: src_cog_passage_annuel

select distinct
    old_code,
    current_code
from src_cog_passage_annuel
where level_code = 'COM' and entity_type = 'commune'
