-- In a support session, Postgres shows and changes only the session's
-- account.
--
-- Product queries in a session run as chaperone_support_ro or
-- chaperone_support_rw (see 20261126000002). Until now those roles limited
-- which columns support reads, but not which rows: a product query that
-- forgot its `where account_id = …` would have shown an agent another
-- customer's invoices, and an edit could have changed another account's
-- rows. Now the access context names the session's account in the same
-- statement that switches the role (`set local chaperone.account`), and
-- row-level security lets the support roles see and write that account's
-- rows only. With no account named, they see no rows at all.
--
-- The serving role (chaperone_runtime) keeps every row: customers and the
-- console are scoped by the code, as before. The owner bypasses row-level
-- security (migrations, seeds). `tests/api/database.rs` checks that every
-- product table has these policies, so a new table cannot be forgotten.

create function chaperone.support_account() returns uuid
language sql stable as $$
    select nullif(current_setting('chaperone.account', true), '')::uuid
$$;
grant execute on function chaperone.support_account() to chaperone_support_ro, chaperone_support_rw;

do $$
declare
    t record;
begin
    for t in
        select c.relname,
               case
                   when c.relname = 'accounts' then 'id = chaperone.support_account()'
                   when c.relname = 'invoice_lines' then
                       'invoice_id in (select i.id from product.invoices i where i.account_id = chaperone.support_account())'
                   when c.relname = 'notification_settings' then
                       'user_id in (select u.id from product.users u where u.account_id = chaperone.support_account())'
                   else 'account_id = chaperone.support_account()'
               end as rule
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'product' and c.relkind = 'r'
    loop
        execute format('alter table product.%I enable row level security', t.relname);
        execute format('create policy serving_every_row on product.%I to chaperone_runtime using (true) with check (true)', t.relname);
        execute format('create policy support_one_account on product.%I to chaperone_support_ro, chaperone_support_rw using (%s) with check (%s)',
                       t.relname, t.rule, t.rule);
    end loop;
end
$$;
