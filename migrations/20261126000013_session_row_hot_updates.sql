-- A page view updates its session's row twice: the view moves the idle
-- deadline, and the event's counting trigger adds one to `views`. With
-- `idle_deadline` in an index, the first update could never be a HOT
-- update: every view wrote a new entry into each of the table's ten
-- indexes. Measured on the bench database, an audited view wrote 2,856
-- bytes of WAL with that index and 2,184 without it.
--
-- The sweeper's question ("which live sessions are past a deadline?")
-- scans live sessions only; there are at most as many as there are staff,
-- and `support_sessions_one_live_idx` (staff_id where ended_at is null)
-- already holds exactly those rows. No index names a column that a view
-- changes now, and pages keep room for the new row versions.

drop index chaperone.support_sessions_live_idx;
alter table chaperone.support_sessions set (fillfactor = 70);
