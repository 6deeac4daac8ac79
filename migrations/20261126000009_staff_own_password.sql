-- Someone an admin adds signs in with a one-time password; the console
-- asks them to choose their own until they do.
alter table chaperone.staff
    add column must_change_password boolean not null default false;
