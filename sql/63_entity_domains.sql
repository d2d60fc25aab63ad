-- The contract name `entity_domains` (docs/architecture.md, "Contract views") for users and scripts:
-- (entity, domain) links with the best method (sql/34_int_entity_domains.sql).
-- grain: one row per (entity_id, domain)

create or replace view entity_domains as
select * from int_entity_domains
