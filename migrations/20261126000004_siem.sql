-- The SIEM stream's persistent outbox: the events table is the outbox, and
-- this row remembers how far delivery got, so nothing is lost while the
-- receiver is down and each event is sent in order. One row; the server
-- delivering holds it locked (others skip it), so several servers never
-- send the same batch at once.
create table chaperone.siem_cursor (
    id integer primary key check (id = 1),
    last_event_id bigint not null default 0,
    failures integer not null default 0,
    next_attempt_at timestamptz,
    last_error text
);
insert into chaperone.siem_cursor (id) values (1);
grant select, update on chaperone.siem_cursor to chaperone_runtime;
