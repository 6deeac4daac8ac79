-- The access context: one-action approvals bound to one object, decisions
-- that are never the requester's own, lapsed approvals, and sessions ended
-- when their staff member is disabled or loses the role.

-- A one-action approval names the object it is for (`member:<id>`,
-- `invoices.csv`) and, in words, what was tried; it is spent only on that.
alter table chaperone.access_requests
    add column action_object text,
    add column action_object_label text;

-- An approval nobody used within its time lapses (the sweeper records it).
alter table chaperone.access_requests drop constraint access_requests_status_check;
alter table chaperone.access_requests add constraint access_requests_status_check
    check (status in ('refused', 'pending', 'approved', 'denied', 'cancelled', 'expired', 'lapsed', 'used'));

-- One-action requests made before objects were recorded are bound to
-- nothing: those still waiting or unused end now, and every one gets a
-- placeholder object so the rule below holds for all rows.
update chaperone.access_requests
   set status = case status when 'pending' then 'expired' else 'lapsed' end
 where kind = 'action' and action_object is null and status in ('pending', 'approved');
update chaperone.access_requests
   set action_object = 'unrecorded', action_object_label = 'an object not recorded at the time'
 where kind = 'action' and action_object is null;

alter table chaperone.access_requests
    add constraint access_requests_action_object_check
        check ((kind = 'action') = (action is not null and action_object is not null and for_session_id is not null)),
    -- Four eyes: nobody decides their own request, whatever the code says.
    add constraint access_requests_not_self_decided
        check (decided_by is null or decided_by <> staff_id);

create index access_requests_approved_idx on chaperone.access_requests (approved_until) where status = 'approved';
create index access_requests_action_idx on chaperone.access_requests (for_session_id, action, action_object) where kind = 'action';

alter table chaperone.support_sessions drop constraint support_sessions_end_cause_check;
alter table chaperone.support_sessions add constraint support_sessions_end_cause_check
    check (end_cause in ('ended_by_agent', 'idle_timeout', 'max_duration', 'revoked_by_manager',
                         'revoked_by_customer', 'signed_out', 'staff_disabled', 'staff_role_changed'));

-- Throttling: the identity check before a session is throttled like sign-in,
-- and a spray over many emails from one address is counted per address.
alter table chaperone.sign_in_failures drop constraint sign_in_failures_side_check;
alter table chaperone.sign_in_failures add constraint sign_in_failures_side_check
    check (side in ('staff', 'customer', 'identity_check'));
alter table chaperone.sign_in_locks drop constraint sign_in_locks_side_check;
alter table chaperone.sign_in_locks add constraint sign_in_locks_side_check
    check (side in ('staff', 'customer', 'identity_check'));
create index sign_in_failures_ip_idx on chaperone.sign_in_failures (side, ip, failed_at);
