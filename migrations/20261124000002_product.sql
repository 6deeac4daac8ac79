-- The customer product ("Billfold"): workspaces with tax rules, invoices,
-- payment methods, orders, team invitations, notification settings, API
-- tokens, profile fields, private notes. Money is integer cents, rates are
-- integer basis points (10000 = 100%). Every column is classified in
-- src/classification.rs.

alter table product.accounts
    add column onboarding_steps_done text[] not null default '{}',
    add column feature_flags text[] not null default '{}';

alter table product.users
    add column backup_email text check (length(backup_email) <= 254),
    add column phone text check (length(phone) <= 40),
    add column birth_date date,
    add column national_id text check (length(national_id) <= 64),
    add column recovery_codes_hash text;

create table product.tax_profiles (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    name text not null check (length(name) between 1 and 120),
    region text not null check (length(region) between 1 and 40),
    rate_bp integer not null check (rate_bp between 0 and 10000),
    created_at timestamptz not null default now()
);
create index tax_profiles_account_idx on product.tax_profiles (account_id);

create table product.workspaces (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    name text not null check (length(name) between 1 and 120),
    tax_region text not null check (length(tax_region) between 1 and 40),
    tax_rate_bp integer not null check (tax_rate_bp between 0 and 10000),
    -- the profile the current rule was taken from, if any
    tax_profile_id uuid references product.tax_profiles (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index workspaces_account_idx on product.workspaces (account_id);

create table product.invoices (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    workspace_id uuid not null references product.workspaces (id) on delete cascade,
    number text not null check (length(number) between 1 and 40),
    issued_on date not null,
    status text not null default 'open' check (status in ('draft', 'open', 'paid', 'void')),
    bill_to_name text not null check (length(bill_to_name) between 1 and 200),
    bill_to_address text not null default '' check (length(bill_to_address) <= 500),
    -- the rate in force when the invoice was issued: later changes to the
    -- workspace's rule do not touch it
    tax_rate_bp integer not null check (tax_rate_bp between 0 and 10000),
    currency text not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
    created_at timestamptz not null default now()
);
create index invoices_account_idx on product.invoices (account_id, issued_on desc);
create unique index invoices_number_key on product.invoices (account_id, number);

create table product.invoice_lines (
    id uuid primary key,
    invoice_id uuid not null references product.invoices (id) on delete cascade,
    position integer not null,
    description text not null check (length(description) between 1 and 300),
    quantity integer not null check (quantity between 1 and 1000000),
    unit_price_cents bigint not null check (unit_price_cents between 0 and 100000000000)
);
create index invoice_lines_invoice_idx on product.invoice_lines (invoice_id, position);

create table product.payment_methods (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    brand text not null,
    card_number text not null,
    exp_month integer not null check (exp_month between 1 and 12),
    exp_year integer not null check (exp_year between 2000 and 2100),
    billing_email text not null,
    billing_id_document text,
    is_default boolean not null default false,
    created_at timestamptz not null default now()
);
create index payment_methods_account_idx on product.payment_methods (account_id);

create table product.orders (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    number text not null,
    placed_at timestamptz not null,
    description text not null,
    amount_cents bigint not null check (amount_cents >= 0),
    currency text not null default 'EUR',
    status text not null default 'paid' check (status in ('paid', 'pending', 'failed', 'refunded')),
    payment_method_id uuid references product.payment_methods (id) on delete set null
);
create index orders_account_idx on product.orders (account_id, placed_at desc);

create table product.invitations (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    email text not null check (length(email) between 3 and 254),
    role text not null check (role in ('owner', 'billing_admin', 'admin', 'member')),
    invited_by uuid references product.users (id) on delete set null,
    created_at timestamptz not null default now()
);
create unique index invitations_email_key on product.invitations (account_id, lower(email));

create table product.notification_settings (
    user_id uuid primary key references product.users (id) on delete cascade,
    invoice_emails boolean not null default true,
    failed_payment_emails boolean not null default true,
    weekly_digest boolean not null default false,
    product_news boolean not null default false,
    updated_at timestamptz not null default now()
);

create table product.api_tokens (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    created_by uuid references product.users (id) on delete set null,
    name text not null check (length(name) between 1 and 100),
    token_hash text not null,
    last_two text not null,
    created_at timestamptz not null default now(),
    revoked_at timestamptz
);
create index api_tokens_account_idx on product.api_tokens (account_id);

create table product.notes (
    id uuid primary key,
    account_id uuid not null references product.accounts (id) on delete cascade,
    author_id uuid references product.users (id) on delete set null,
    body text not null check (length(body) between 1 and 5000),
    created_at timestamptz not null default now()
);
create index notes_account_idx on product.notes (account_id, created_at desc);

grant select, insert, update, delete on
    product.tax_profiles, product.workspaces, product.invoices, product.invoice_lines,
    product.payment_methods, product.orders, product.invitations,
    product.notification_settings, product.api_tokens, product.notes
    to chaperone_runtime;
