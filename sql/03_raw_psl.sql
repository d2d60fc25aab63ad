-- The Public Suffix List as a table (loaded by analyzer/psl.py from the bundled or refreshed file)
-- and registrable_domain(host): eTLD+1 in SQL, the same answer as analyzer.domains.registrable_domain.
-- grain (public_suffixes): one row per PSL rule; `suffix` without its "*." or "!" marker.

create table if not exists public_suffixes (
    suffix  varchar not null,
    kind    varchar not null,     -- normal | wildcard | exception
    section varchar not null      -- icann | private
);

-- Longest matching rule wins; an exception rule beats the wildcard it carves out; no match means
-- the implicit "*" rule (the last label is the public suffix).
create or replace macro registrable_domain(host) as (
    with parts as (
        select string_split(host, '.') as l
    ),

    candidates as (
        select
            t.k,
            array_to_string(p.l[len(p.l) - t.k + 1:], '.') as suffix
        from parts as p, range(1, len(p.l) + 1) as t(k)
    ),

    matched as (
        select
            max(case when s.kind = 'exception' then c.k - 1 end) as exception_k,
            max(case when s.kind = 'wildcard' then c.k + 1 when s.kind = 'normal' then c.k end) as rule_k
        from candidates as c
        inner join public_suffixes as s on s.suffix = c.suffix
    ),

    final as (
        select
            case
                when len(p.l) > coalesce(m.exception_k, m.rule_k, 1)
                    then array_to_string(p.l[len(p.l) - coalesce(m.exception_k, m.rule_k, 1):], '.')
            end as domain
        from parts as p, matched as m
    )

    select domain from final
);
