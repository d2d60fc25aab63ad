-- The date window in which each published-range file is the one to use. A provider's files of one
-- format and address family are a series; an observation on date D uses, per series, the latest
-- file dated on or before D, else the earliest file after D. So a file is in effect from its own
-- date (the series' first file: from any earlier date) until the date of the next file of its
-- series. Of two files of a series with the same date the later loaded one is used (one snapshot).
-- grain: one row per (dataset_id, family) in effect on at least one date

create or replace view stg_range_windows as
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

-- one file per (series, date): the latest loaded
dated as (
    select *
    from files
    qualify row_number() over (
        partition by provider_id, format, family, snapshot_date
        order by dataset_id desc
    ) = 1
),

windowed as (
    select
        *,
        row_number() over (partition by provider_id, format, family order by snapshot_date nulls first)
            as position,
        lead(snapshot_date) over (partition by provider_id, format, family order by snapshot_date nulls first)
            as next_date
    from dated
),

final as (
    select
        dataset_id,
        family,
        provider_id,
        format,
        snapshot_date,
        rows,
        case when position = 1 then date '0001-01-01' else snapshot_date end as valid_from,
        coalesce(next_date, date '9999-12-31') as valid_to
    from windowed
)

select * from final
