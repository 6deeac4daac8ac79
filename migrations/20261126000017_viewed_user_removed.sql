-- A support session ends when the customer removes the user it views as:
-- there is nothing left to show, and the session should not stay "in
-- progress" in the customer's history until it times out.
alter table chaperone.support_sessions drop constraint support_sessions_end_cause_check;
alter table chaperone.support_sessions add constraint support_sessions_end_cause_check
    check (end_cause in ('ended_by_agent', 'idle_timeout', 'max_duration', 'revoked_by_manager',
                         'revoked_by_customer', 'signed_out', 'staff_disabled', 'staff_role_changed',
                         'viewed_role_changed', 'viewed_user_removed'));
