-- The event log is append-only and hash-chained.
--
-- Order without one global bottleneck: every event belongs to a chain — the
-- support session it happened in, else the account it concerns, else the
-- person who acted, else one of four system chains — and appends to one
-- chain are ordered by locking that chain's head row in the appending
-- transaction. Appends to different chains never wait for each other; a
-- busy session waits only for itself. Each event stores its chain, its
-- place in it (unique), the previous event's hash and a SHA-256 over its
-- canonical content; `chaperone verify-audit` recomputes every link, and
-- the heads can be sent elsewhere so a consistent rewrite is still caught.

create table chaperone.event_chains (
    chain text primary key,
    seq bigint not null default 0,
    head_hash bytea not null default decode(repeat('00', 32), 'hex')
);

alter table chaperone.events
    add column chain text,
    add column seq bigint,
    add column prev_hash bytea,
    add column hash bytea;

-- The canonical content an event's hash covers: every column, times in UTC
-- to the microsecond (as Postgres stores them), each field written as its
-- length in characters, a colon, and the field — so no text can shift from
-- one field into the next. `chaperone verify-audit` builds the same text in
-- Rust.
create function chaperone.event_canonical(e chaperone.events) returns text
language sql stable as $$
    select string_agg(length(f)::text || ':' || f, '' order by n)
    from unnest(array[
        e.id::text, e.chain, e.seq::text, encode(e.prev_hash, 'hex'),
        to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        to_char(e.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.kind, e.actor_kind, coalesce(e.actor_id::text, ''), e.actor_name,
        coalesce(e.account_id::text, ''), e.summary, e.detail::text
    ]) with ordinality as t(f, n)
$$;

create function chaperone.event_chain_of(e chaperone.events) returns text
language sql stable as $$
    select coalesce('session:' || (e.detail->>'session_id'),
                    'account:' || e.account_id::text,
                    'actor:' || e.actor_id::text,
                    'system:' || (e.id % 4)::text)
$$;

-- Links a new event into its chain. Runs as the owner (security definer):
-- no serving role may touch the chain heads directly.
create function chaperone.link_event() returns trigger
language plpgsql security definer set search_path = pg_catalog, chaperone as $$
declare
    head chaperone.event_chains;
begin
    new.chain := chaperone.event_chain_of(new);
    insert into chaperone.event_chains (chain) values (new.chain) on conflict do nothing;
    select * into head from chaperone.event_chains where chain = new.chain for update;
    new.seq := head.seq + 1;
    new.prev_hash := head.head_hash;
    new.hash := sha256(convert_to(chaperone.event_canonical(new), 'UTF8'));
    update chaperone.event_chains set seq = new.seq, head_hash = new.hash where chain = new.chain;
    return new;
end
$$;

-- Events written before the chain existed are linked now, oldest first.
do $$
declare
    e chaperone.events;
    head chaperone.event_chains;
begin
    for e in select * from chaperone.events order by id loop
        e.chain := chaperone.event_chain_of(e);
        insert into chaperone.event_chains (chain) values (e.chain) on conflict do nothing;
        select * into head from chaperone.event_chains where chain = e.chain;
        e.seq := head.seq + 1;
        e.prev_hash := head.head_hash;
        e.hash := sha256(convert_to(chaperone.event_canonical(e), 'UTF8'));
        update chaperone.events set chain = e.chain, seq = e.seq, prev_hash = e.prev_hash, hash = e.hash
         where id = e.id;
        update chaperone.event_chains set seq = e.seq, head_hash = e.hash where chain = e.chain;
    end loop;
end
$$;

alter table chaperone.events
    alter column chain set not null,
    alter column seq set not null,
    alter column prev_hash set not null,
    alter column hash set not null;
create unique index events_chain_seq_key on chaperone.events (chain, seq);
create index events_session_idx on chaperone.events ((detail->>'session_id'), id)
    where detail ? 'session_id';

create trigger events_link before insert on chaperone.events
    for each row execute function chaperone.link_event();

-- Append-only, for every role, the owner included.
create function chaperone.refuse_event_rewrite() returns trigger
language plpgsql as $$
begin
    raise exception 'chaperone.events is append-only: % is refused', tg_op
        using errcode = 'insufficient_privilege';
end
$$;
create trigger events_no_update_or_delete before update or delete on chaperone.events
    for each row execute function chaperone.refuse_event_rewrite();
create trigger events_no_truncate before truncate on chaperone.events
    for each statement execute function chaperone.refuse_event_rewrite();

-- Readers of the chain (verify-audit runs as the serving role).
grant select on chaperone.event_chains to chaperone_runtime;
