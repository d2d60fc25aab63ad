-- Macros over nested prefixes (any two CIDR prefixes are disjoint or nested), each of a table with
-- columns (part, family, lo, hi, ref): one row per distinct prefix of a part (`part` is optional, a
-- table without it is one part). A sweep over start/end events: the depth after the events at a
-- boundary says how many prefixes cover the segment that starts there, and its owner is the last
-- prefix opened at that depth (an ASOF join), which is the innermost open one.
-- net_segments(table): disjoint intervals, each owned by its most specific prefix;
-- net_parents(table): each prefix's innermost enclosing prefix (null for a top-level one), so the
-- chain owner -> parent -> ... lists every prefix that covers a segment;
-- net_flatten(): net_segments of the scratch table net_flat_input (the routing ingest).
-- grain (net_segments): one row per (part, family, lo, hi) covered by at least one prefix;
-- (net_parents): one row per input prefix; (net_prefix_events): one row per start or end event

create or replace macro net_prefix_events(input_table) as table
with prefixes as (
    select
        coalesce(part, 0) as part,
        family,
        lo,
        hi,
        ref
    from (
        -- `part` defaults to 0 when the table has no such column
        select null::bigint as part, null::tinyint as family, null::uhugeint as lo, null::uhugeint as hi,
            null::bigint as ref
        where false
        union all by name
        select * from query_table(input_table)
    )
),

events as (
    select
        part,
        family,
        lo as pos,
        1 as step,
        hi - lo as width,
        ref
    from prefixes
    union all
    select
        part,
        family,
        hi + 1 as pos,
        -1 as step,
        null as width,
        null as ref
    from prefixes
    -- nothing follows the last IPv6 address
    where not (family = 6 and hi = 340282366920938463463374607431768211455::uhugeint)
),

-- closes before opens at the same position; nested opens outermost first
sequenced as (
    select
        *,
        row_number() over (partition by part, family order by pos, step, width desc) as seq
    from events
),

final as (
    select
        *,
        sum(step) over (
            partition by part, family order by seq rows between unbounded preceding and current row
        ) as depth
    from sequenced
)

select * from final;

create or replace macro net_segments(input_table) as table
with depths as (
    select * from net_prefix_events(input_table)
),

opens as (
    select
        part,
        family,
        seq,
        depth,
        ref
    from depths
    where step = 1
),

boundaries as (
    select
        part,
        family,
        pos,
        max(seq) as last_seq,
        arg_max(depth, seq) as depth
    from depths
    group by part, family, pos
),

segments as (
    select
        part,
        family,
        pos as lo,
        coalesce(
            lead(pos) over (partition by part, family order by pos) - 1,
            340282366920938463463374607431768211455::uhugeint
        ) as hi,
        last_seq,
        depth
    from boundaries
),

final as (
    select
        s.part,
        s.family,
        s.lo,
        s.hi,
        o.ref
    from segments as s
    asof inner join opens as o
        on s.part = o.part
        and s.family = o.family
        and s.depth = o.depth
        and s.last_seq >= o.seq
    where s.depth > 0
)

select * from final;

-- the parent of a prefix opened at depth d is the last prefix opened at depth d - 1 before it: any
-- prefix opened at that depth since would have to be closed already, and the parent is still open
create or replace macro net_parents(input_table) as table
with opens as (
    select
        part,
        family,
        seq,
        depth,
        ref
    from net_prefix_events(input_table)
    where step = 1
),

final as (
    select
        o.part,
        o.family,
        o.ref,
        p.ref as parent_ref
    from opens as o
    asof left join opens as p
        on p.part = o.part
        and p.family = o.family
        and p.depth = o.depth - 1
        and o.seq > p.seq
)

select * from final;

create or replace macro net_flatten() as table
select
    family,
    lo,
    hi,
    ref
from net_segments('net_flat_input');
