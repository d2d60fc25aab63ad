-- The CNAME of each name on each snapshot date; when several loaded files disagree for the same
-- date, the latest loaded dataset wins (then the smallest target, to stay deterministic).
-- grain: one row per (name, observed_on)

create or replace view stg_dns_cnames as
with cnames as (
    select
        name,
        observed_on,
        value as target,
        dataset_id
    from stg_dns_records
    where rtype = 'CNAME'
),

final as (
    select
        name,
        observed_on,
        target,
        dataset_id
    from cnames
    qualify row_number() over (
        partition by name, observed_on
        order by dataset_id desc, target
    ) = 1
)

select * from final
