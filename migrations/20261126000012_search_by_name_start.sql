-- Console search looks for names that start with the text first, through a
-- btree that can answer `lower(name) like 'text%'` (text_pattern_ops; the
-- database's C.UTF-8 collation does not let a plain btree do it). A
-- fragment most accounts share at the start of their name ("Fjord Alpha
-- Labs") took the trigram index 28 ms of posting-list intersections at
-- 1,000,000 accounts; the btree finds a few hundred in under a millisecond.
-- The same index answers the exact-name equality the 0010 index was for.
create index if not exists accounts_name_prefix_idx on product.accounts (lower(name) text_pattern_ops);
drop index if exists product.accounts_name_lower_idx;
