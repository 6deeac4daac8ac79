-- The events that tell one support session's story, in one place: its own
-- (those naming it), and those of the requests that belong to it — the one
-- that opened it, and the one-action and reveal requests asked from inside
-- (a request's approval and denial name the request, not the session).
-- The session timeline and the auditor's per-session export both read it,
-- so an export can never leave out what the timeline shows. Each half
-- reaches its events through its own expression index; a plain SQL
-- function, so the planner inlines it.
create function chaperone.events_of_session(session_id uuid)
returns setof chaperone.events
language sql stable as $$
    select e.* from chaperone.events e
    where e.detail ? 'session_id' and e.detail->>'session_id' = session_id::text
    union
    select e.* from chaperone.events e
    where e.detail ? 'request_id' and e.detail->>'request_id' in (
        select s.request_id::text from chaperone.support_sessions s where s.id = session_id
        union all
        select r.id::text from chaperone.access_requests r
        where r.kind = 'action' and r.for_session_id = session_id)
$$;
