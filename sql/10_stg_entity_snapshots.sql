-- Every watchlist entry of every loaded snapshot, with its snapshot date and a stable entity_id.
-- grain: one row per (dataset_id, entry_key)

create or replace view stg_entity_snapshots as
with loaded as (
    select
        dataset_id,
        snapshot_date,
        loaded_at
    from datasets
    where status = 'loaded'
),

final as (
    select
        e.list_code || '-' || substr(md5(e.list_code || '|' || e.entry_key), 1, 10) as entity_id,
        e.*,
        l.snapshot_date,
        l.loaded_at
    from raw_entities as e
    inner join loaded as l using (dataset_id)
)

select * from final
