-- Every name and alias of the current entities, with its normalised form (case, accents,
-- punctuation and legal forms removed by analyzer/names.py at ingest).
-- grain: one row per (entity_id, name)

create or replace view int_entity_names as
with final as (
    select distinct
        e.entity_id,
        e.list_code,
        n.name,
        n.name_kind,
        n.normalized
    from int_entities as e
    inner join raw_entity_names as n
        on n.dataset_id = e.dataset_id
        and n.entry_key = e.entry_key
)

select * from final
