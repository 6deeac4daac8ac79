-- A support session ended by its agent's password change says so, instead
-- of passing for a sign-out: the log should tell the customer and the
-- manager what happened, and "signed out" was not it.
alter table chaperone.support_sessions drop constraint support_sessions_end_cause_check;
alter table chaperone.support_sessions add constraint support_sessions_end_cause_check
    check (end_cause in ('ended_by_agent', 'idle_timeout', 'max_duration', 'revoked_by_manager',
                         'revoked_by_customer', 'signed_out', 'staff_disabled', 'staff_role_changed',
                         'viewed_role_changed', 'viewed_user_removed', 'password_changed'));
