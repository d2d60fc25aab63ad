-- AS names, organisations and countries of every loaded as2org-like file, each with the date window
-- in which it is the one to use. The files of one source (CAIDA as2org, pyasn asnames, the
-- descriptions in iptoasn files) are a series: an observation on date D uses, per source, the
-- latest file dated on or before D, else the earliest after D. Between sources CAIDA ranks first
-- (it names the organisation that holds several ASNs), then pyasn's asnames, then iptoasn.
-- grain: one row per (dataset_id, asn) of a file in effect on at least one date

create or replace view stg_as_orgs as
with files as (
    select
        o.dataset_id,
        any_value(o.source) as source,
        any_value(d.snapshot_date) as snapshot_date
    from raw_as_orgs as o
    inner join datasets as d using (dataset_id)
    where d.status = 'loaded'
    group by o.dataset_id
),

dated as (
    select *
    from files
    qualify row_number() over (partition by source, snapshot_date order by dataset_id desc) = 1
),

windowed as (
    select
        dataset_id,
        source,
        snapshot_date,
        case when row_number() over (partition by source order by snapshot_date nulls first) = 1
            then date '0001-01-01' else snapshot_date end as valid_from,
        coalesce(lead(snapshot_date) over (partition by source order by snapshot_date nulls first),
            date '9999-12-31') as valid_to
    from dated
),

final as (
    select
        o.dataset_id,
        o.asn,
        o.as_name as as_handle,
        o.org_id,
        o.org_name,
        o.country,
        o.source,
        case o.source when 'caida' then 3 when 'pyasn_asnames' then 2 else 1 end as source_rank,
        w.snapshot_date,
        w.valid_from,
        w.valid_to
    from raw_as_orgs as o
    inner join windowed as w using (dataset_id)
)

select * from final
