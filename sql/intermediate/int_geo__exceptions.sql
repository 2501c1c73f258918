-- purpose: communes of the reference list that lack an attribute, counted and listed so that
--          reports can show them instead of silently dropping them.
-- grain: one row per missing attribute × commune
-- upstream: int_geo__communes

with communes as (select * from int_geo__communes)

select 'sans bassin BMO' as exception, commune_code, commune_label, departement_code from communes where bassin_code is null
union all
select 'sans zone d''emploi', commune_code, commune_label, departement_code from communes where ze2020_code is null
union all
select 'sans EPCI', commune_code, commune_label, departement_code from communes where epci_siren is null
union all
select 'sans population de 15 à 64 ans', commune_code, commune_label, departement_code from communes where working_age_population is null
union all
select 'sans population légale (Etalab utilisé)', commune_code, commune_label, departement_code from communes where is_population_from_etalab
