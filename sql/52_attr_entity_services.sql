-- Who serves each listed company (DESIGN.md §4): the stored result of int_entity_services, written
-- by `analyzer attribute` from the records of the names in int_entity_dns_scope only, so that a
-- 20-million-record snapshot answers in seconds. The analyzer's commands refresh it when needed;
-- a query while any input changed since (a dataset loaded, an analyst decision, new sql/ files,
-- catalog or PSL, or a CT session variable) fails with the message below instead of serving a
-- stale answer. int_entity_services computes the same rows live, over the whole snapshot.
-- grain: one row per (entity_id, domain, service, provider_id, observed_on)

create or replace table attr_entity_services_store as
select * from int_entity_services
limit 0;

create or replace view attr_entity_services as
with state as (
    select
        (select value from analyzer_meta where key = 'attribution_fingerprint')
            is not distinct from attr_inputs_fingerprint() as fresh
),

checked as (
    select
        if(
            fresh,
            true,
            error(
                'attr_entity_services is out of date: datasets, analyst decisions or settings changed '
                || 'since it was computed. Run `analyzer attribute` (the analyzer''s own commands do it '
                || 'for you), or query int_entity_services for a live, slower computation.'
            )
        ) as ok
    from state
),

final as (
    select s.*
    from checked as c, attr_entity_services_store as s
    where c.ok
)

select * from final
