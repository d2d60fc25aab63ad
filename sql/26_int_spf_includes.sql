-- The domains an SPF record delegates sending to: `include:` and `redirect=` terms of TXT records
-- starting with "v=spf1", with the qualifier of each include ('+' when none is written). Only
-- '+' includes authorise sending; the qualifier is kept so attribution can filter on it.
-- grain: one row per (name, observed_on, target, mechanism)

create or replace view int_spf_includes as
with spf as (
    select
        name,
        observed_on,
        value,
        dataset_id
    from stg_dns_records
    where rtype in ('TXT', 'SPF')
        and starts_with(lower(ltrim(value)), 'v=spf1')
),

terms as (
    select
        name,
        observed_on,
        dataset_id,
        unnest(string_split(regexp_replace(lower(value), '\s+', ' ', 'g'), ' ')) as term
    from spf
),

parsed as (
    select
        name,
        observed_on,
        dataset_id,
        case
            when regexp_matches(term, '^[+?~-]?include:') then 'include'
            when starts_with(term, 'redirect=') then 'redirect'
        end as mechanism,
        case when regexp_matches(term, '^[+?~-]') then term[1] else '+' end as qualifier,
        rtrim(regexp_extract(term, '(?:include:|redirect=)(.+)$', 1), '.') as target
    from terms
),

final as (
    select distinct
        name,
        observed_on,
        target,
        mechanism,
        case when mechanism = 'redirect' then '+' else qualifier end as qualifier,
        dataset_id
    from parsed
    where mechanism is not null
        and target <> ''
)

select * from final
