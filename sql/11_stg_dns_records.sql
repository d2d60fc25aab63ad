-- DNS records of loaded snapshots, with the address family of A/AAAA answers.
-- With `set variable attr_dns_scope = 'entities'` (only `analyzer attribute` sets it), only the
-- records of the names in attr_scope_names: the same views then compute the watchlist entities'
-- answers from their few thousand names instead of the whole snapshot.
-- With `set variable attr_dns_dates = [DATE, ...]` (`analyzer attribute` again, when only DNS datasets
-- changed), only the records of those snapshot dates: the stored rows of the other dates stand.
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
    where (getvariable('attr_dns_scope') is null or r.name in (select name from attr_scope_names))
        and (getvariable('attr_dns_dates') is null or list_contains(getvariable('attr_dns_dates'), r.observed_on))
)

select * from final
