-- DNS records of loaded snapshots, with the address family of A/AAAA answers.
-- grain: one row per raw_dns_records row

create or replace view stg_dns_records as
with loaded as (
    select dataset_id
    from datasets
    where status = 'loaded'
),

final as (
    select
        r.dataset_id,
        r.observed_on,
        r.name,
        r.rtype,
        r.value,
        r.preference,
        r.ttl,
        case r.rtype when 'A' then 4 when 'AAAA' then 6 end as family
    from raw_dns_records as r
    inner join loaded using (dataset_id)
)

select * from final
