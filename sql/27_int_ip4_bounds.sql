-- The IPv4 addresses where the answer of net_attribute() can change: the first address of every
-- routed and published interval and the one after its end (plus 0.0.0.0). Between two consecutive
-- points every address lies in the same route and range intervals, so it has the same attribution;
-- bulk `analyzer lookup` finds each address's point by a binary search (analyzer/network/points.py).
-- grain: one row per point

create or replace view int_ip4_bounds as
with points as (
    select lo::ubigint as point from net_route_intervals where family = 4
    union
    select (hi + 1)::ubigint from net_route_intervals where family = 4 and hi < 4294967295
    union
    select lo::ubigint from net_range_intervals where family = 4
    union
    select (hi + 1)::ubigint from net_range_intervals where family = 4 and hi < 4294967295
    union
    select 0::ubigint
),

final as (
    select
        row_number() over (order by point) - 1 as seq,
        point,
        concat_ws('.', point >> 24, (point >> 16) & 255, (point >> 8) & 255, point & 255) as address
    from points
)

select * from final
