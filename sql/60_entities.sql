-- The contract name `entities` (docs/architecture.md, "Contract views") for users and scripts:
-- the current entries of each list (sql/30_int_entities.sql).
-- grain: one row per entity_id

create or replace view entities as
select * from int_entities
