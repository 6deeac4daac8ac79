-- Console search by an account's exact name: a btree on lower(name), so an
-- exact name is found without the trigram index (whose equality search
-- rechecks every account that shares the name's trigrams: 235 ms for
-- "Fjord" at 1,000,000 accounts).
create index if not exists accounts_name_lower_idx on product.accounts (lower(name));
