"""One statement per SQL check that breaks a copy of the real warehouse the way the check must
catch (tests/integration/test_warehouse_real.py runs them; tests/unit/test_checks.py makes sure
every check has one)."""

BREAKERS = {
    "check_mart_town_sector__ranking__unique_key": "insert into mart_town_sector__ranking select * from mart_town_sector__ranking limit 1",
    "check_mart_territory_sector__indicators__unique_key": "insert into mart_territory_sector__indicators select * from mart_territory_sector__indicators limit 1",
    "check_mart_territory_metier__indicators__unique_key": "insert into mart_territory_metier__indicators select * from mart_territory_metier__indicators limit 1",
    "check_mart_town__profile__unique_key": "delete from mart_town__profile where town_code = (select min(town_code) from mart_town__profile)",
    "check_int_bmo__cells__reconcile_raw": "delete from int_bmo__cells where rowid = (select min(rowid) from int_bmo__cells)",
    "check_int_territory__metier_projects__bassin_totals": "update int_territory__metier_projects set hiring_projects = hiring_projects + 10 "
    "where territory_type = 'bassin' and rowid = (select min(rowid) from int_territory__metier_projects "
    "where territory_type = 'bassin')",
    "check_int_territory__sector_projects__metier_totals": "update int_territory__sector_projects "
    "set hiring_projects = hiring_projects + 10 where rowid = (select min(rowid) "
    "from int_territory__sector_projects where territory_type = 'bassin')",
    "check_marts__no_negative_counts": "update mart_town__training_supply set places = -1 where rowid = 0",
    "check_mart_town_sector__ranking__complete": "delete from mart_town_sector__ranking where rank = 1 and town_code = "
    "(select min(town_code) from mart_town_sector__ranking)",
    "check_int_catchment__town_communes__contains_town": "delete from int_catchment__town_communes where town_code = commune_code "
    "and town_code = (select min(town_code) from int_towns__candidates)",
    "check_int_crosswalk__one_sector": "update int_training__offer set sector_code = 'XYZ' where rowid = 0",
    "check_mart_town__shortlist_inputs__consistent": "delete from mart_town__shortlist_inputs "
    "where town_code = (select min(town_code) from mart_town__shortlist_inputs)",
    "check_mart_town_lycee_sector__shortlist_partners__unique_key": "insert into mart_town_lycee_sector__shortlist_partners "
    "select * from mart_town_lycee_sector__shortlist_partners limit 1",
    "check_mart_town_sector__ranking__recommended_deliverable": "update mart_town_sector__ranking "
    "set recommendation_rank = 1, recommendation_rank_low = 1, recommendation_rank_high = 1 "
    "where rowid = (select min(rowid) from mart_town_sector__ranking where not is_in_operator_catalogue)",
    "check_ref_standardisation__coverage": "delete from ref_standardisation where indicator = 'log_hiring' and sector_code = 'BTP'",
    "check_mart_town__profile__big_towns_present": "delete from mart_town__profile where town_code = "
    "(select p.town_code from mart_town__profile as p join int_geo__communes as c "
    "on c.commune_code = p.town_code order by c.population desc limit 1)",
}
