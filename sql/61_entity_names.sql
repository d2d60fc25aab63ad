-- The contract name `entity_names` (docs/architecture.md, "Contract views") for users and scripts:
-- every name and alias of the current entities, normalised (sql/31_int_entity_names.sql).
-- grain: one row per (entity_id, name)

create or replace view entity_names as
select * from int_entity_names
