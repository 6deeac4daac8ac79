-- Owner approval: with "ask the owner first", an owner of the account
-- approves (or refuses) each request from the app. When a manager must
-- approve too, both decisions are kept, in either order; the request is
-- approved only when every approval it needs is there.
alter table chaperone.access_requests
    add column owner_decided_by uuid,
    add column owner_decided_by_name text,
    add column owner_decided_at timestamptz,
    add column owner_note text,
    add constraint access_requests_owner_decision_complete
        check ((owner_decided_by is null) = (owner_decided_at is null)),
    add constraint access_requests_owner_decides_only_when_asked
        check (owner_decided_by is null or needs_owner);

-- Owners' pending list.
create index access_requests_owner_pending_idx on chaperone.access_requests (account_id, requested_at)
    where status = 'pending' and needs_owner and owner_decided_by is null;
