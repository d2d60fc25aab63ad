-- The "Google serves 9, Amazon 7, Microsoft 4" table: per provider parent and service, how many
-- distinct listed companies it serves, on each company's latest snapshot (no filter), and how many of
-- them it served on or after their listing date (entities_after_listing, sql/54).
-- grain: one row per (provider_parent, service)

create or replace view attr_provider_summary as
select *
from attr_provider_summary_filtered(null, null, null, null, true)
order by entities desc, provider_parent, service
