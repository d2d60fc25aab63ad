-- The published-range files in effect together (a "range set") and the observation dates they
-- serve: the windows of stg_range_windows cut at every file date, with consecutive spans of the same
-- files merged (a series only moves forward in time, so a set never comes back after it changed).
-- An observation on date D uses the set with valid_from <= D < valid_to; `set_key` names its files.
-- grain: one row per range set

create or replace view stg_range_sets as
with boundaries as (
    select distinct valid_from as span_from
    from stg_range_windows
),

spans as (
    select
        span_from,
        coalesce(lead(span_from) over (order by span_from), date '9999-12-31') as span_to
    from boundaries
),

members as (
    select
        s.span_from,
        s.span_to,
        string_agg(w.dataset_id || ':' || w.family, ',' order by w.dataset_id, w.family) as set_key,
        list(struct_pack(dataset_id := w.dataset_id, family := w.family) order by w.dataset_id, w.family)
            as members
    from spans as s
    inner join stg_range_windows as w
        on w.valid_from <= s.span_from
        and s.span_from < w.valid_to
    group by s.span_from, s.span_to
),

final as (
    select
        set_key,
        min(span_from) as valid_from,
        max(span_to) as valid_to,
        any_value(members) as members
    from members
    group by set_key
)

select * from final
