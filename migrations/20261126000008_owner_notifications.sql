-- Owners hear about support: when support enters their account and when
-- it changes something there, each owner gets an in-app notification and
-- an email in the outbox (the integration point for a real mail sender),
-- as each owner chooses. A trigger on the event log writes them in the
-- event's own transaction, so no code path can forget to notify, and the
-- text is the event's own sentence (masked as the log is).

create table chaperone.notification_preferences (
    user_id uuid primary key,
    entry_in_app boolean not null default true,
    entry_email boolean not null default true,
    change_in_app boolean not null default true,
    change_email boolean not null default true
);

create table chaperone.customer_notifications (
    id bigint generated always as identity primary key,
    account_id uuid not null,
    user_id uuid not null,
    what text not null check (what in ('entry', 'change')),
    body text not null,
    event_id bigint not null,
    created_at timestamptz not null,
    read_at timestamptz
);
create index customer_notifications_user_idx on chaperone.customer_notifications (user_id, id desc);

create table chaperone.email_outbox (
    id bigint generated always as identity primary key,
    user_id uuid not null,
    to_address text not null,
    subject text not null,
    body text not null,
    event_id bigint not null,
    created_at timestamptz not null,
    sent_at timestamptz
);
create index email_outbox_unsent_idx on chaperone.email_outbox (id) where sent_at is null;

grant select, insert, update on chaperone.notification_preferences to chaperone_runtime;
grant select, update on chaperone.customer_notifications to chaperone_runtime;
grant select, update on chaperone.email_outbox to chaperone_runtime;

create function chaperone.notify_owners() returns trigger
language plpgsql security definer set search_path = pg_catalog, chaperone, product as $$
declare
    what text := case when new.kind = 'support.session_started' then 'entry' else 'change' end;
    s record;
begin
    select reason, ticket into s from chaperone.support_sessions
     where id = (new.detail->>'session_id')::uuid;
    insert into chaperone.customer_notifications (account_id, user_id, what, body, event_id, created_at)
    select new.account_id, u.id, what, new.summary, new.id, new.occurred_at
      from product.users u
      left join chaperone.notification_preferences p on p.user_id = u.id
     where u.account_id = new.account_id and u.role = 'owner'
       and (case what when 'entry' then coalesce(p.entry_in_app, true) else coalesce(p.change_in_app, true) end);
    insert into chaperone.email_outbox (user_id, to_address, subject, body, event_id, created_at)
    select u.id, u.email,
           case what when 'entry' then 'Support entered your account'
                     else 'Support changed something in your account' end,
           'Hello ' || u.name || E',\n\n' || new.summary || E'.\n\n'
             || 'Why: ' || coalesce(s.reason, 'not recorded') || ' (ticket ' || coalesce(s.ticket, 'none') || E')\n\n'
             || E'Your account''s support history lists every visit, and lets you end one in progress:\n/app/history\n',
           new.id, new.occurred_at
      from product.users u
      left join chaperone.notification_preferences p on p.user_id = u.id
     where u.account_id = new.account_id and u.role = 'owner'
       and (case what when 'entry' then coalesce(p.entry_email, true) else coalesce(p.change_email, true) end);
    return null;
end
$$;
create trigger events_notify_owners after insert on chaperone.events
    for each row
    when (new.account_id is not null and new.detail ? 'session_id'
          and (new.kind = 'support.session_started' or new.kind like 'product.%'))
    execute function chaperone.notify_owners();
