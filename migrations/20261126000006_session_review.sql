-- Reviews: each ended support session is unreviewed until a manager marks
-- it fine or flags it with a note. The database holds the rules too: only
-- ended sessions are reviewed, a flag always says why, a review names its
-- reviewer, and nobody reviews a session of their own.

alter table chaperone.support_sessions
    add column review_state text not null default 'unreviewed'
        check (review_state in ('unreviewed', 'fine', 'flagged')),
    add column review_note text,
    add column reviewed_by uuid references chaperone.staff (id),
    add column reviewed_by_name text,
    add column reviewed_at timestamptz,
    add constraint support_sessions_review_complete
        check ((review_state = 'unreviewed') = (reviewed_by is null and reviewed_at is null)),
    add constraint support_sessions_review_after_end
        check (review_state = 'unreviewed' or ended_at is not null),
    add constraint support_sessions_flag_has_note
        check (review_state <> 'flagged' or length(btrim(coalesce(review_note, ''))) > 0),
    add constraint support_sessions_not_self_reviewed
        check (reviewed_by is null or reviewed_by <> staff_id);

-- The review inbox: unreviewed ended sessions, those with changes or
-- blocked actions first.
create index support_sessions_unreviewed_idx on chaperone.support_sessions
    (((changes > 0 or blocked > 0)) desc, ended_at, id)
    where review_state = 'unreviewed' and ended_at is not null;
create index support_sessions_review_state_idx on chaperone.support_sessions (review_state, started_at desc, id desc);

create or replace view chaperone.session_overview as
    select s.id, s.request_id, s.staff_id, s.staff_name, s.account_name, s.target_user_name, s.mode,
           s.reason, s.ticket, s.started_at, s.ended_at, s.end_cause,
           s.views::bigint as views, s.changes::bigint as changes, s.blocked::bigint as blocked,
           s.review_state, s.review_note, s.reviewed_by_name, s.reviewed_at
    from chaperone.support_sessions s;
