-- Who serves each domain in the DNS and CT data, per service, with relationship, confidence and
-- evidence — before any join to watchlist entities: the stored result of int_domain_services
-- (analyzer/domain_store.py). `analyzer attribute --all-domains` stores every domain (and
-- `analyzer sql` does it when a query names this view); `analyzer services DOMAIN...` computes
-- and stores only the names asked, from their records. The view serves the store while it holds
-- every domain and its fingerprint equals attr_inputs_fingerprint(), and fails with the message
-- below otherwise; int_domain_services computes the same rows live, over the whole snapshot.
-- grain: one row per (domain, service, provider_id, observed_on)

create or replace table attr_domain_services_store as
select
    domain,
    service,
    provider_id,
    provider_name,
    provider_parent,
    provider_country,
    relationship,
    confidence,
    evidence,
    observed_on
from int_domain_services
limit 0;

-- The names whose rows the store holds when it does not hold every domain.
create or replace table attr_domain_store_names (name varchar primary key);

create or replace view attr_domain_services as
with state as (
    select
        (select value from analyzer_meta where key = 'domain_store_fingerprint')
            is not distinct from attr_inputs_fingerprint() as fresh,
        coalesce((select value = 'all' from analyzer_meta where key = 'domain_store_coverage'), false)
            as complete
),

checked as (
    select
        case
            when fresh and complete then true
            when not fresh then error(
                'attr_domain_services is out of date: datasets, analyst decisions or settings changed '
                || 'since it was stored. Run `analyzer attribute --all-domains` (`analyzer sql` does it '
                || 'for you), `analyzer services DOMAIN...` for some domains, or query '
                || 'int_domain_services for a live, slower computation.')
            else error(
                'attr_domain_services holds only the domains asked with `analyzer services`. Run '
                || '`analyzer attribute --all-domains` (`analyzer sql` does it for you), or query '
                || 'int_domain_services for a live, slower computation.')
        end as ok
    from state
),

final as (
    select s.*
    from checked as c, attr_domain_services_store as s
    where c.ok
)

select * from final
