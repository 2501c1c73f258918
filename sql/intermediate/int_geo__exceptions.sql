-- purpose: communes of the reference list that lack an attribute, counted and listed so that
--          reports can show them instead of silently dropping them.
-- grain: one row per missing attribute × commune
-- upstream: int_geo__communes

with communes as (select * from int_geo__communes)

select 'no bassin BMO' as exception, commune_code, commune_label, departement_code from communes where bassin_code is null
union all
select 'no zone d''emploi', commune_code, commune_label, departement_code from communes where ze2020_code is null
union all
select 'no EPCI', commune_code, commune_label, departement_code from communes where epci_siren is null
union all
select 'no working-age population', commune_code, commune_label, departement_code from communes where working_age_population is null
union all
select 'no legal population (Etalab used)', commune_code, commune_label, departement_code from communes where is_population_from_etalab
