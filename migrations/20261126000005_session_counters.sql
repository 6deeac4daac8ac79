-- Each support session keeps its activity counts on its own row, so the
-- session log's list never counts events (at 10,000,000 events, counting
-- per listed session was the list's cost). The counts are kept by the
-- database as each event is inserted, in the inserting transaction, so no
-- code path can forget them: a page view already holds the session's row
-- lock (the liveness check), so this adds no waiting.

alter table chaperone.support_sessions
    add column views integer not null default 0,
    add column changes integer not null default 0,
    add column blocked integer not null default 0;

-- What counts as what: one place, used by the trigger and the backfill.
create function chaperone.session_counts(kind text, out views integer, out changes integer, out blocked integer)
language sql immutable as $$
    select (kind = 'support.page_viewed')::integer,
           (kind like 'product.%' and kind <> 'product.exported')::integer,
           (kind = 'support.blocked')::integer
$$;

-- Runs as the owner: the support roles insert events but never update
-- sessions themselves.
create function chaperone.count_session_event() returns trigger
language plpgsql security definer set search_path = pg_catalog, chaperone as $$
declare
    c record;
begin
    c := chaperone.session_counts(new.kind);
    if c.views + c.changes + c.blocked > 0 then
        update chaperone.support_sessions
           set views = views + c.views, changes = changes + c.changes, blocked = blocked + c.blocked
         where id = (new.detail->>'session_id')::uuid;
    end if;
    return null;
end
$$;
create trigger events_count_for_session after insert on chaperone.events
    for each row when (new.detail ? 'session_id')
    execute function chaperone.count_session_event();

-- Sessions that already have events: counted once, set-based.
update chaperone.support_sessions s
   set views = c.views, changes = c.changes, blocked = c.blocked
  from (select (e.detail->>'session_id')::uuid as id,
               sum((chaperone.session_counts(e.kind)).views) as views,
               sum((chaperone.session_counts(e.kind)).changes) as changes,
               sum((chaperone.session_counts(e.kind)).blocked) as blocked
          from chaperone.events e
         where e.detail ? 'session_id'
         group by 1) c
 where s.id = c.id;

-- The overview reads the counts from the row.
create or replace view chaperone.session_overview as
    select s.id, s.request_id, s.staff_id, s.staff_name, s.account_name, s.target_user_name, s.mode,
           s.reason, s.ticket, s.started_at, s.ended_at, s.end_cause,
           s.views::bigint as views, s.changes::bigint as changes, s.blocked::bigint as blocked
    from chaperone.support_sessions s;

-- "Has changes" and "has blocked actions" filters over many sessions.
create index support_sessions_changes_idx on chaperone.support_sessions (started_at desc, id desc)
    where changes > 0;
create index support_sessions_blocked_idx on chaperone.support_sessions (started_at desc, id desc)
    where blocked > 0;
