-- The attribution of each IPv4 point of int_ip4_bounds, from net_attribute() itself: every
-- address from a point up to the next one has this row (but its own `address` text). Bulk
-- `analyzer lookup` stores it factored (analyzer/network/points.py): per point only `point`,
-- `route_prefix` and the ids of its two other parts, the columns before route_prefix (the range)
-- and after it (origins, AS organisation, providers), each part stored once with its JSON text,
-- so that a JSON line is the address plus three pre-rendered texts. The store is rebuilt after an
-- ingest of network data (and by the first bulk lookup when it is missing), then millions of
-- addresses are answered by a binary search over `point` and a gather of parts.
-- grain: one row per point

create or replace view int_ip4_point_attribution as
with attributed as (
    select * from net_attribute('int_ip4_bounds')
),

final as (
    select
        b.point,
        a.* exclude (seq, address)
    from attributed as a
    inner join int_ip4_bounds as b using (seq)
)

select * from final
