-- purpose: ANCT programme memberships at commune level: Action Cœur de Ville (communes), ACV 2 and
--          Petites villes de demain (their "Commune (INSEE)" member lists split here).
-- grain: one row per programme × commune code (codes of the list's COG)
-- upstream: stg_anct__acv, stg_anct__acv2, stg_anct__pvd

with acv as (
    select 'ACV' as programme, programme_code, programme_label, commune_code, vintage
    from stg_anct__acv
    where commune_code is not null
),

listed as (
    select 'ACV2' as programme, programme_code, programme_label, member_list, vintage from stg_anct__acv2
    union all
    select 'PVD', programme_code, programme_label, member_list, vintage from stg_anct__pvd
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
