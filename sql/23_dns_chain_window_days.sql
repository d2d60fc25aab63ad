-- dns_chain_window_days(): how many days a CNAME, MX or NS target may be followed into another DNS
-- snapshot when it has no record in its own (a zone file of one day, an FDNS dump of another): the
-- nearest snapshot within this many days answers for it, and the row says so and is at most
-- `medium`. 0 turns it off. The library sets `chain_window_days` from `--chain-window-days`, else
-- $ANALYZER_CHAIN_WINDOW_DAYS, else the last value `analyzer attribute` was given; this is the one
-- default (7). Part of attr_inputs_fingerprint(); analyzer/attribution.py recomputes the
-- neighbouring snapshots within it when one snapshot changes.
-- grain: a scalar

create or replace macro dns_chain_window_days() as (
    coalesce(try_cast(getvariable('chain_window_days') as integer), 7)
);
