-- The attribution of each IPv4 point of int_ip4_bounds, from net_attribute() itself: every
-- address from a point up to the next one has this row (but its own `address` text). `json_tail`
-- is the row as JSON after the address (`,"family":4,...}`), so a bulk JSON-lines answer is the
-- address text plus this text. `analyzer lookup -` stores it in lookup_ip4_points (with the
-- fingerprint of attr_inputs_fingerprint()), then answers millions of addresses by a binary
-- search over `point` and a gather of rows.
-- grain: one row per point

create or replace view int_ip4_point_attribution as
with attributed as materialized (
    select * from net_attribute('int_ip4_bounds')
),

unaddressed as (
    select * exclude (address) from attributed
),

tails as (
    select
        seq,
        ',' || substr(cast(to_json(u) as varchar), strlen('{"seq":' || u.seq || ',') + 1) as json_tail
    from unaddressed as u
),

final as (
    select
        b.point,
        a.* exclude (seq),
        t.json_tail
    from attributed as a
    inner join int_ip4_bounds as b using (seq)
    inner join tails as t using (seq)
)

select * from final;

create or replace table lookup_ip4_points as
select * from int_ip4_point_attribution
limit 0;
