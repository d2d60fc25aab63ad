-- SPF records (TXT "v=spf1 ...") split into terms, with what each term authorises.
-- Only `+`/unqualified mechanisms before `all` authorise; `-`, `~`, `?` never do; mechanisms after
-- `all` are ignored; `redirect=` applies only when the record has no `all`.
-- grain: one row per (dataset_id, name, observed_on, term_index)

create or replace view int_spf_terms as
with spf as (
    select
        dataset_id,
        observed_on,
        name,
        value as record,
        string_split(trim(regexp_replace(value, '\s+', ' ', 'g')), ' ') as terms
    from stg_dns_records
    where rtype = 'TXT'
        and lower(value) like 'v=spf1%'
),

terms as (
    select
        s.dataset_id,
        s.observed_on,
        s.name,
        s.record,
        t.i as term_index,
        lower(s.terms[t.i]) as term
    from spf as s, range(2, len(s.terms) + 1) as t(i)
    where s.terms[t.i] <> ''
),

parsed as (
    select
        *,
        case when left(term, 1) in ('+', '-', '~', '?') then left(term, 1) else '+' end as qualifier,
        ltrim(term, '+-~?') as body
    from terms
),

classified as (
    select
        *,
        case
            when body = 'all' then 'all'
            when body like 'include:%' then 'include'
            when body like 'redirect=%' then 'redirect'
            when body like 'ip4:%' then 'ip4'
            when body like 'ip6:%' then 'ip6'
            when body = 'a' or body like 'a:%' or body like 'a/%' then 'a'
            when body = 'mx' or body like 'mx:%' or body like 'mx/%' then 'mx'
            when body like 'exists:%' then 'exists'
            when body like 'ptr%' then 'ptr'
            else 'other'
        end as mechanism,
        case
            when body like 'include:%' then trim(substr(body, 9), '.')
            when body like 'redirect=%' then trim(substr(body, 10), '.')
            when body like 'ip4:%' or body like 'ip6:%' then substr(body, 5)
        end as target
    from parsed
),

with_all as (
    select
        *,
        min(case when mechanism = 'all' then term_index end)
            over (partition by dataset_id, name, observed_on, record) as all_index
    from classified
),

final as (
    select
        dataset_id,
        observed_on,
        name,
        record,
        term_index,
        term,
        qualifier,
        mechanism,
        target,
        all_index,
        case
            when mechanism = 'redirect' then all_index is null
            when all_index is not null and term_index > all_index then false
            else qualifier = '+'
        end as authorises
    from with_all
)

select * from final
