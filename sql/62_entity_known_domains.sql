-- The contract name `entity_known_domains` (docs/architecture.md, "Contract views") for users and scripts:
-- domains a user watchlist names, with the source note (sql/32_int_entity_known_domains.sql).
-- grain: one row per (entity_id, domain)

create or replace view entity_known_domains as
select * from int_entity_known_domains
