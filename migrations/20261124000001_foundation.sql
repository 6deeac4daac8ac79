-- Foundation: staff and customer sign-in, login sessions, sign-in throttling
-- and the event log.
--
-- Two schemas: `product` holds the customer product's tables (every column
-- of them is classified in src/classification.rs), `chaperone` holds
-- Chaperone's own. The server connects as a member of the group role
-- `chaperone_runtime`, which owns nothing: it gets exactly the grants below.
-- The role must exist before migrating (`make run` and the tests create it;
-- the README shows how on an existing Postgres).

create schema if not exists chaperone;
create schema if not exists product;

grant usage on schema chaperone to chaperone_runtime;
grant usage on schema product to chaperone_runtime;

-- Staff ---------------------------------------------------------------------

create table chaperone.staff (
    id uuid primary key,
    email text not null check (length(email) between 3 and 254),
    name text not null check (length(name) between 1 and 200),
    role text not null check (role in ('agent', 'senior_agent', 'engineer', 'manager', 'auditor', 'admin')),
    password_hash text not null,
    -- null until the first sign-in, when the browser's zone is recorded
    time_zone text,
    disabled_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create unique index staff_email_key on chaperone.staff (lower(email));

grant select, insert, update on chaperone.staff to chaperone_runtime;

-- The customer product's accounts and users ----------------------------------

create table product.accounts (
    id uuid primary key,
    name text not null check (length(name) between 1 and 200),
    domain text,
    plan text not null default 'starter' check (plan in ('starter', 'growth', 'enterprise')),
    region text not null default 'eu' check (region in ('eu', 'us', 'uk', 'apac')),
    -- marked sensitive by Chaperone staff: entering needs a manager's approval
    sensitive boolean not null default false,
    -- the customer's support-access policy
    support_access text not null default 'allow' check (support_access in ('allow', 'ask_owner', 'off')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table product.users (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    email text not null check (length(email) between 3 and 254),
    name text not null check (length(name) between 1 and 200),
    role text not null check (role in ('owner', 'billing_admin', 'admin', 'member')),
    password_hash text not null,
    time_zone text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create unique index users_email_key on product.users (lower(email));
create index users_account_id_idx on product.users (account_id);

grant select, insert, update, delete on product.accounts to chaperone_runtime;
grant select, insert, update, delete on product.users to chaperone_runtime;

-- Login sessions (tower-sessions' Postgres store, in our schema) -------------

create table chaperone.login_sessions (
    id text primary key not null,
    data bytea not null,
    expiry_date timestamptz not null
);
create index login_sessions_expiry_idx on chaperone.login_sessions (expiry_date);

grant select, insert, update, delete on chaperone.login_sessions to chaperone_runtime;

-- Sign-in throttling -----------------------------------------------------------
-- Emails are kept only as a digest: people type passwords into email fields.

create table chaperone.sign_in_failures (
    id bigint generated always as identity primary key,
    side text not null check (side in ('staff', 'customer')),
    email_digest text not null,
    ip text not null,
    failed_at timestamptz not null
);
create index sign_in_failures_key_idx on chaperone.sign_in_failures (side, email_digest, ip, failed_at);

create table chaperone.sign_in_locks (
    side text not null check (side in ('staff', 'customer')),
    email_digest text not null,
    ip text not null,
    locked_until timestamptz not null,
    primary key (side, email_digest, ip)
);

grant select, insert, delete on chaperone.sign_in_failures to chaperone_runtime;
grant select, insert, update, delete on chaperone.sign_in_locks to chaperone_runtime;

-- Events -------------------------------------------------------------------------
-- Append-only for the runtime role: it may read and insert, never update or
-- delete. (The audit work adds the hash chain and a trigger that refuses
-- UPDATE and DELETE for everyone.)

create table chaperone.events (
    id bigint generated always as identity primary key,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null default now(),
    kind text not null,
    actor_kind text not null check (actor_kind in ('staff', 'customer', 'anonymous', 'system')),
    actor_id uuid,
    -- the actor's name as it was when the event was written
    actor_name text not null,
    account_id uuid,
    -- the plain-language first line; never a raw sensitive value
    summary text not null,
    detail jsonb not null default '{}'::jsonb
);
create index events_account_idx on chaperone.events (account_id, occurred_at) where account_id is not null;
create index events_actor_idx on chaperone.events (actor_id, occurred_at) where actor_id is not null;
create index events_kind_idx on chaperone.events (kind, occurred_at);

grant select, insert on chaperone.events to chaperone_runtime;
