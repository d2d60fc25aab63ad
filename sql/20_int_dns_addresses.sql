-- The distinct addresses of the DNS data (A/AAAA values), numbered for net_attribute().
-- grain: one row per distinct address text

create or replace view int_dns_addresses as
with final as (
    select
        row_number() over (order by value) as seq,
        value as address
    from (
        select distinct value
        from stg_dns_records
        where rtype in ('A', 'AAAA')
    )
)

select * from final
