-- Support sessions: requests (recorded before any access opens, whatever
-- the outcome), the sessions they admit, and account search indexes.

create extension if not exists pg_trgm with schema public;

create index accounts_name_trgm_idx on product.accounts using gin (lower(name) public.gin_trgm_ops);
create index accounts_domain_idx on product.accounts (lower(domain));

create table chaperone.access_requests (
    id uuid primary key,
    staff_id uuid not null references chaperone.staff (id),
    -- names as they were when the request was made
    staff_name text not null,
    account_id uuid not null,
    account_name text not null,
    target_user_id uuid not null,
    target_user_name text not null,
    target_role text not null,
    reason text not null,
    ticket text not null,
    mode text not null check (mode in ('read_only', 'edit')),
    -- 'session' enters an account; 'action' approves one blocked action inside a session
    kind text not null default 'session' check (kind in ('session', 'action')),
    action text,
    for_session_id uuid,
    break_glass boolean not null default false,
    incident text,
    -- what the policy said, and why
    decision text not null check (decision in ('allowed', 'needs_approval', 'refused')),
    policy_reasons jsonb not null default '[]'::jsonb,
    needs_manager boolean not null default false,
    needs_owner boolean not null default false,
    status text not null check (status in ('refused', 'pending', 'approved', 'denied', 'cancelled', 'expired', 'used')),
    requested_at timestamptz not null,
    expires_at timestamptz,
    decided_by uuid,
    decided_by_name text,
    decided_at timestamptz,
    decision_note text,
    approved_until timestamptz,
    used_at timestamptz
);
create index access_requests_staff_idx on chaperone.access_requests (staff_id, requested_at desc);
create index access_requests_pending_idx on chaperone.access_requests (status, expires_at) where status = 'pending';

create table chaperone.support_sessions (
    id uuid primary key,
    request_id uuid not null unique references chaperone.access_requests (id),
    staff_id uuid not null references chaperone.staff (id),
    staff_name text not null,
    account_id uuid not null,
    account_name text not null,
    target_user_id uuid not null,
    target_user_name text not null,
    target_role text not null,
    mode text not null check (mode in ('read_only', 'edit')),
    reason text not null,
    ticket text not null,
    started_at timestamptz not null,
    last_activity_at timestamptz not null,
    idle_deadline timestamptz not null,
    max_deadline timestamptz not null,
    ended_at timestamptz,
    end_cause text check (end_cause in ('ended_by_agent', 'idle_timeout', 'max_duration', 'revoked_by_manager', 'revoked_by_customer', 'signed_out')),
    mandatory_review boolean not null default false,
    check ((ended_at is null) = (end_cause is null))
);
-- nobody is in two sessions at once
create unique index support_sessions_one_live_idx on chaperone.support_sessions (staff_id) where ended_at is null;
create index support_sessions_live_idx on chaperone.support_sessions (idle_deadline, max_deadline) where ended_at is null;
create index support_sessions_account_idx on chaperone.support_sessions (account_id, started_at desc);

grant select, insert, update on chaperone.access_requests to chaperone_runtime;
grant select, insert, update on chaperone.support_sessions to chaperone_runtime;
