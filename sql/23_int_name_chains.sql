-- Each name that has a CNAME, followed hop by hop on the same snapshot date to its final name.
-- status: 'ok' (the final name has A/AAAA records), 'dangling' (it has none in the loaded data),
-- 'loop' (a target repeats), 'too_deep' (more than 16 hops; hops keeps the first 16).
-- grain: one row per (name, observed_on)

create or replace view int_name_chains as
with recursive walk (name, observed_on, hops, current, depth, looped, dataset_id) as (
    select
        name,
        observed_on,
        [target],
        target,
        1,
        target = name,
        dataset_id
    from stg_dns_cnames

    union all

    select
        w.name,
        w.observed_on,
        list_append(w.hops, c.target),
        c.target,
        w.depth + 1,
        c.target = w.name or list_contains(w.hops, c.target),
        w.dataset_id
    from walk as w
    inner join stg_dns_cnames as c
        on c.name = w.current
        and c.observed_on = w.observed_on
    where not w.looped
        and w.depth <= 16
),

longest as (
    select *
    from walk
    qualify row_number() over (partition by name, observed_on order by depth desc) = 1
),

addressed as (
    select distinct
        name,
        observed_on
    from stg_dns_records
    where rtype in ('A', 'AAAA')
),

final as (
    select
        l.name,
        l.observed_on,
        l.hops[1:16] as hops,
        case when l.depth > 16 then l.hops[16] else l.current end as final_name,
        least(l.depth, 16) as depth,
        case
            when l.looped then 'loop'
            when l.depth > 16 then 'too_deep'
            when a.name is null then 'dangling'
            else 'ok'
        end as status,
        l.dataset_id
    from longest as l
    left join addressed as a
        on a.name = l.current
        and a.observed_on = l.observed_on
)

select * from final
