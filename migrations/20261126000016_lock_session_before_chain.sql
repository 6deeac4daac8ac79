-- One lock order for every event of a support session: the session's row,
-- then its chain head.
--
-- A page view locks the session row (its liveness check) and then, through
-- this trigger, the chain head. An event written without that check (a
-- refusal the guard records, say) took the chain head here first and then
-- the session row in the counting trigger. Two requests of one session at
-- once (two tabs) could each hold one lock and wait for the other: Postgres
-- broke the deadlock by failing one request with a 500. Taking the session
-- row first here gives every path the same order. (A transaction that
-- already holds the row, as the view does, takes it again at no cost.)

create or replace function chaperone.link_event() returns trigger
language plpgsql security definer set search_path = pg_catalog, chaperone as $$
declare
    head chaperone.event_chains;
begin
    if new.detail ? 'session_id' then
        perform 1 from chaperone.support_sessions
         where id = (new.detail->>'session_id')::uuid for no key update;
    end if;
    new.chain := chaperone.event_chain_of(new);
    select * into head from chaperone.event_chains where chain = new.chain for update;
    if not found then
        insert into chaperone.event_chains (chain) values (new.chain) on conflict do nothing;
        select * into head from chaperone.event_chains where chain = new.chain for update;
    end if;
    new.seq := head.seq + 1;
    new.prev_hash := head.head_hash;
    new.hash := sha256(convert_to(chaperone.event_canonical(new), 'UTF8'));
    update chaperone.event_chains set seq = new.seq, head_hash = new.hash where chain = new.chain;
    if (select enabled from chaperone.siem_state where id = 1) then
        insert into chaperone.siem_outbox (event_id) values (new.id);
    end if;
    return new;
end
$$;
