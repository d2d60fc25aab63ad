-- Each name that has a CNAME, followed hop by hop on the same snapshot date to its final name.
-- status: 'ok' (the final name has A/AAAA records), 'dangling' (it has none in the loaded data),
-- 'loop' (a target repeats), 'too_deep' (more than 16 hops; hops keeps the first 16).
-- Across snapshots: a chain whose final name has no record at all on its date (dangling) continues
-- in the nearest other snapshot within dns_chain_window_days() where that name has an A, AAAA or
-- CNAME record (the earlier one on a tie), with that snapshot's chain of it: `resolved_on` is the
-- snapshot that ended the chain (observed_on when it never left its own), `crossed_at` the name
-- looked up there, `own_hops` how many hops came from the name's own snapshot (the rest from
-- resolved_on's). Only dangling chains are looked up: one equi-join on the name, filtered by date.
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

own as (
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
),

-- the nearest other snapshot within the window in which a dangling chain's final name has a record
nearest as (
    select *
    from (
        select
            o.name,
            o.observed_on,
            r.observed_on as resolved_on,
            r.dataset_id as resolved_dataset_id
        from own as o
        inner join stg_dns_records as r
            on r.name = o.final_name
            and abs(date_diff('day', o.observed_on, r.observed_on)) between 1 and dns_chain_window_days()
        where o.status = 'dangling'
            and r.rtype in ('A', 'AAAA', 'CNAME')
    )
    qualify row_number() over (
        partition by name, observed_on
        order by abs(date_diff('day', observed_on, resolved_on)), resolved_on, resolved_dataset_id desc
    ) = 1
),

-- the chain continued with the final name's own chain in that snapshot (none: it has addresses there)
crossed as (
    select
        o.name,
        o.observed_on,
        list_concat(o.hops, coalesce(c.hops, []::varchar[]))[1:16] as hops,
        case
            when o.depth + coalesce(c.depth, 0) > 16 then list_concat(o.hops, c.hops)[16]
            else coalesce(c.final_name, o.final_name)
        end as final_name,
        least(o.depth + coalesce(c.depth, 0), 16) as depth,
        case
            -- a hop of the continuation repeats the name or one of its own hops
            when c.status = 'loop' or len(list_distinct(list_concat(
                list_concat([o.name], o.hops), coalesce(c.hops, []::varchar[])
            ))) < 1 + len(o.hops) + len(coalesce(c.hops, []::varchar[])) then 'loop'
            when c.status = 'too_deep' or o.depth + coalesce(c.depth, 0) > 16 then 'too_deep'
            else coalesce(c.status, 'ok')
        end as status,
        o.dataset_id,
        n.resolved_on,
        o.final_name as crossed_at,
        o.depth as own_hops,
        coalesce(c.dataset_id, n.resolved_dataset_id) as resolved_dataset_id
    from nearest as n
    inner join own as o
        on o.name = n.name
        and o.observed_on = n.observed_on
    left join own as c
        on c.name = o.final_name
        and c.observed_on = n.resolved_on
),

final as (
    select
        o.*,
        o.observed_on as resolved_on,
        cast(null as varchar) as crossed_at,
        o.depth as own_hops,
        o.dataset_id as resolved_dataset_id
    from own as o
    anti join nearest as n
        on n.name = o.name
        and n.observed_on = o.observed_on
    union all by name
    select * from crossed
)

select * from final
