-- purpose: INSEE annual passage table, commune level: any former commune code → its COG 2025 code.
-- grain: one row per former code × current code (a re-established commune splits a former code)
-- upstream: src_cog_passage_annuel

with source as (
    select * from src_cog_passage_annuel
),

renamed as (
    select distinct
        ---------- ids
        old_code,
        current_code
    from source
    where level_code = 'COM' and entity_type = 'commune'
)

select * from renamed
