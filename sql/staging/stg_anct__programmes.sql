-- purpose: ANCT programme memberships at commune level from the vintage of each list chosen in ref_vintages:
--          Action Cœur de Ville (communes), ACV 2 and Petites villes de demain ("Commune (INSEE)"
--          lists split here).
-- grain: one row per programme × commune code (codes of the list's COG)
-- upstream: src_acv, src_acv2, src_pvd, ref_vintages

with acv as (
    select 'ACV' as programme, programme_code, programme_label, commune_code, vintage
    from src_acv
    where commune_code is not null
      and vintage in (select vintage from ref_vintages where dataset = 'acv' and is_selected)
),

listed as (
    select 'ACV2' as programme, programme_code, programme_label, member_list, vintage from src_acv2
    union all
    select 'PVD', programme_code, programme_label, member_list, vintage from src_pvd
    where vintage in (select vintage from ref_vintages where dataset = 'pvd' and is_selected)
),

split as (
    select
        programme,
        programme_code,
        programme_label,
        regexp_extract(trim(item), '\((\w{5})\)\s*$', 1) as commune_code,
        vintage
    from listed, unnest(string_split(member_list, ';')) as t(item)
)

select programme, programme_code, programme_label, commune_code, vintage from acv
union all
select programme, programme_code, programme_label, commune_code, vintage from split
where commune_code <> ''
