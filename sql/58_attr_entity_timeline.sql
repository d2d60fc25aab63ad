-- Since when, until when, and after the listing (DESIGN.md §4): per listed company, service and
-- provider, the first and last snapshot it was seen on, how many of the company's snapshots saw it,
-- whether it was seen on or after the listing date and whether it is ongoing (seen on the latest
-- snapshot that has data for the company). The definitions are in sql/57.
-- grain: one row per (entity_id, service, provider_id)

create or replace view attr_entity_timeline as
select *
from attr_entity_timeline_filtered(null, null, null, null)
