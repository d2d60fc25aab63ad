-- Domains that a user watchlist names for its entities, with the analyst's source note.
-- grain: one row per (entity_id, domain)

create or replace view int_entity_known_domains as
with final as (
    select
        e.entity_id,
        d.domain,
        any_value(d.source_note) as source_note,
        any_value(d.dataset_id) as dataset_id
    from int_entities as e
    inner join raw_entity_domains as d
        on d.dataset_id = e.dataset_id
        and d.entry_key = e.entry_key
    group by all
)

select * from final
