-- A support session ends when the customer user it views as is given
-- another role: the request was decided (and perhaps approved) for the role
-- they had, and the product now shows what the new role sees.
alter table chaperone.support_sessions drop constraint support_sessions_end_cause_check;
alter table chaperone.support_sessions add constraint support_sessions_end_cause_check
    check (end_cause in ('ended_by_agent', 'idle_timeout', 'max_duration', 'revoked_by_manager',
                         'revoked_by_customer', 'signed_out', 'staff_disabled', 'staff_role_changed',
                         'viewed_role_changed'));
