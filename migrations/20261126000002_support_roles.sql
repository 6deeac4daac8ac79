-- Postgres as the last guard in support sessions.
--
-- Product queries made for an agent in a support session run as one of two
-- roles, switched to with SET LOCAL ROLE inside the access context's
-- transaction: chaperone_support_ro (read-only sessions, and every page
-- read) and chaperone_support_rw (changes in edit sessions). Like
-- chaperone_runtime, they are created by whoever creates the roles (see the
-- README), with chaperone_runtime a member of both so the server may switch.
--
-- Their privileges on the product schema are column by column and are NOT
-- written here: `chaperone migrate` generates them from the classification
-- registry (src/classification.rs) after the migrations, so a column nobody
-- classified is invisible to support by the database's own refusal.

grant usage on schema product to chaperone_support_ro, chaperone_support_rw;
grant usage on schema chaperone to chaperone_support_ro, chaperone_support_rw;
-- A change in a session (an approved export in a read-only one included)
-- writes its event in its own transaction, under the support role.
-- (insert … returning id needs to read the id; nothing else of the log).
grant insert, select (id) on chaperone.events to chaperone_support_ro, chaperone_support_rw;

-- The banner lists what was blocked in the session; find it by session.
create index events_blocked_session_idx on chaperone.events ((detail->>'session_id'))
    where kind = 'support.blocked';
