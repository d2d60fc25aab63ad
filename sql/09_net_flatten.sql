-- Macro net_flatten(): nested prefixes (any two CIDR prefixes are disjoint or nested) to disjoint
-- intervals where the most specific prefix owns each address. Reads net_flat_input (filled by the
-- ingest in its transaction; one row per distinct prefix). A sweep over start/end events: the depth
-- after the events at a boundary says how many prefixes cover the segment that starts there, and its
-- owner is the last prefix opened at that depth (an ASOF join), which is the innermost open one.
-- grain: one row per disjoint interval (family, lo, hi) covered by at least one prefix

create or replace macro net_flatten() as table
with prefixes as (
    select
        family,
        lo,
        hi,
        ref
    from net_flat_input
),

events as (
    select
        family,
        lo as pos,
        1 as step,
        hi - lo as width,
        ref
    from prefixes
    union all
    select
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
        row_number() over (partition by family order by pos, step, width desc) as seq
    from events
),

depths as (
    select
        *,
        sum(step) over (partition by family order by seq rows between unbounded preceding and current row) as depth
    from sequenced
),

opens as (
    select
        family,
        seq,
        depth,
        ref
    from depths
    where step = 1
),

boundaries as (
    select
        family,
        pos,
        max(seq) as last_seq,
        arg_max(depth, seq) as depth
    from depths
    group by family, pos
),

segments as (
    select
        family,
        pos as lo,
        coalesce(
            lead(pos) over (partition by family order by pos) - 1,
            340282366920938463463374607431768211455::uhugeint
        ) as hi,
        last_seq,
        depth
    from boundaries
),

final as (
    select
        s.family,
        s.lo,
        s.hi,
        o.ref
    from segments as s
    asof inner join opens as o
        on s.family = o.family
        and s.depth = o.depth
        and s.last_seq >= o.seq
    where s.depth > 0
)

select * from final;
