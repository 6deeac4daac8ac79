-- The SIEM stream's transactional outbox. While the stream is on, the
-- trigger that links each new event into its chain also queues it here, in
-- the same transaction: an event is queued exactly when it commits, so one
-- that commits late is never skipped, and none is lost while the receiver
-- is down. Delivered rows are removed. A server delivering holds the rows
-- it sends locked (others skip them), so several servers never send the
-- same event at once.
create table chaperone.siem_outbox (
    event_id bigint primary key
);

create table chaperone.siem_state (
    id integer primary key check (id = 1),
    -- on while a server is configured to stream; queued from then on
    enabled boolean not null default false,
    failures integer not null default 0,
    next_attempt_at timestamptz,
    last_error text
);
insert into chaperone.siem_state (id) values (1);

-- (update only because locking rows for update needs it)
grant select, update, delete on chaperone.siem_outbox to chaperone_runtime;
grant select, update on chaperone.siem_state to chaperone_runtime;

-- Queues each committed-with-it event for the SIEM, after the row exists.
create function chaperone.queue_for_siem() returns trigger
language plpgsql security definer set search_path = pg_catalog, chaperone as $$
begin
    if (select enabled from chaperone.siem_state where id = 1) then
        insert into chaperone.siem_outbox (event_id) values (new.id);
    end if;
    return null;
end
$$;
create trigger events_queue_for_siem after insert on chaperone.events
    for each row execute function chaperone.queue_for_siem();

-- Viewer and export lookups.
create index events_request_idx on chaperone.events ((detail->>'request_id'), id)
    where detail ? 'request_id';
create index events_occurred_idx on chaperone.events (occurred_at, id);
create index support_sessions_started_idx on chaperone.support_sessions (started_at desc, id desc);
create index support_sessions_staff_started_idx on chaperone.support_sessions (staff_id, started_at desc, id desc);

-- A session with its activity counted from its events, for the session
-- log's list and each session's page.
create view chaperone.session_overview as
    select s.id, s.request_id, s.staff_id, s.staff_name, s.account_name, s.target_user_name, s.mode,
           s.reason, s.ticket, s.started_at, s.ended_at, s.end_cause,
           c.views, c.changes, c.blocked
    from chaperone.support_sessions s
    cross join lateral (
        select count(*) filter (where e.kind = 'support.page_viewed') as views,
               count(*) filter (where e.kind like 'product.%' and e.kind <> 'product.exported') as changes,
               count(*) filter (where e.kind = 'support.blocked') as blocked
        from chaperone.events e
        where e.detail ? 'session_id' and e.detail->>'session_id' = s.id::text
    ) c;
grant select on chaperone.session_overview to chaperone_runtime;
