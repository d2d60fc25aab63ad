-- The current published-range files: the latest snapshot per (provider, format, address family),
-- by snapshot date then load order. net_range_intervals is rebuilt from these at every ranges ingest.
-- grain: one row per (dataset_id, family)

create or replace view stg_range_current as
with files as (
    select
        f.dataset_id,
        f.family,
        f.provider_id,
        d.format,
        d.snapshot_date,
        f.rows
    from net_dataset_families as f
    inner join datasets as d using (dataset_id)
    -- 'loading' is the file being ingested, visible only inside its own transaction
    where d.kind = 'ranges'
        and d.status in ('loaded', 'loading')
),

ranked as (
    select
        *,
        row_number() over (
            partition by provider_id, format, family
            order by snapshot_date desc nulls last, dataset_id desc
        ) as recency
    from files
),

final as (
    select
        dataset_id,
        family,
        provider_id,
        format,
        snapshot_date,
        rows
    from ranked
    where recency = 1
)

select * from final
