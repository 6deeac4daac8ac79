# Chaperone — the two commands are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Build output and installed tools live outside the checkout, so a fresh
# clone reuses them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/chaperone/target
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Builds never need a live database: queries are checked against .sqlx/.
export SQLX_OFFLINE := true
export LEPTOS_OUTPUT_NAME := chaperone
export LEPTOS_SITE_ROOT := target/site
export LEPTOS_SITE_PKG_DIR := pkg

BIN := $(CARGO_TARGET_DIR)/debug/chaperone
E2E_PORT ?= 3100

.PHONY: help setup run test check fmt-check clippy unit site e2e sqlx-prepare pg-start pg-stop clean-test-dbs bench

help:
	@echo "make run    install what is missing, start Postgres, build, seed, serve on http://127.0.0.1:3000"
	@echo "make test   everything CI runs: fmt, clippy, unit + API tests, site build, browser tests"

setup:
	@.ci/setup

pg-start:
	@.ci/pg start

pg-stop:
	@.ci/pg stop

site:
	cargo leptos build

# With DATABASE_URL (and optionally DATABASE_OWNER_URL) set, `run` uses that
# Postgres and starts none.
run: setup site
ifeq ($(DATABASE_URL),)
	@.ci/pg start; eval "$$(.ci/pg env)"; trap '.ci/pg stop' EXIT; \
	  $(BIN) migrate && $(BIN) seed demo && echo "Chaperone: open http://127.0.0.1:3000 (Ctrl-C stops)" && $(BIN) serve
else
	@$(BIN) migrate && $(BIN) seed demo && echo "Chaperone: open http://127.0.0.1:3000 (Ctrl-C stops)" && $(BIN) serve
endif

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

# Tests always use the private cluster: they create a database per test.
unit: clean-test-dbs
	@eval "$$(.ci/pg env)"; cargo test

clean-test-dbs:
	@eval "$$(.ci/pg env)"; psql -X -q "$$TEST_DATABASE_URL" -tAc \
	  "select format('drop database if exists %I with (force);', datname) from pg_database where datname like 't\_%'" \
	  | psql -X -q "$$TEST_DATABASE_URL" >/dev/null

# Browser tests: a freshly seeded database, the built server on E2E_PORT.
e2e: site
	@.ci/pg recreate-db chaperone_e2e >/dev/null; eval "$$(.ci/pg env chaperone_e2e)"; \
	  $(BIN) migrate >/dev/null && $(BIN) seed demo >/dev/null; \
	  BIND_ADDR=127.0.0.1:$(E2E_PORT) MIGRATE_ON_START=false RUST_LOG=warn $(BIN) serve & server=$$!; \
	  trap 'kill $$server 2>/dev/null || true' EXIT; \
	  for i in $$(seq 1 100); do curl -sf http://127.0.0.1:$(E2E_PORT)/healthz >/dev/null && break; sleep 0.2; done; \
	  (cd end2end && BASE_URL=http://127.0.0.1:$(E2E_PORT) npx playwright test); \
	  $(BIN) verify-audit

check: fmt-check clippy unit e2e

# Everything measured at scale on a durable Postgres (not part of `test`).
bench: setup
	@.ci/bench

# CI's command: install, start the private Postgres, run every check, stop it.
test: setup pg-start
	@trap '.ci/pg stop; PG_CLUSTER=faults .ci/pg stop' EXIT; $(MAKE) --no-print-directory check

# Regenerate .sqlx/ (the offline query data) after changing a query.
sqlx-prepare: pg-start
	@.ci/pg recreate-db chaperone_sqlx >/dev/null; eval "$$(.ci/pg env chaperone_sqlx)"; \
	  for f in migrations/*.sql; do psql -X -q -v ON_ERROR_STOP=1 "$$DATABASE_OWNER_URL" -f "$$f" >/dev/null; done; \
	  rm -rf .sqlx && mkdir .sqlx; \
	  cargo clean -p chaperone; \
	  SQLX_OFFLINE=false SQLX_OFFLINE_DIR=$(CURDIR)/.sqlx DATABASE_URL="$$DATABASE_OWNER_URL" cargo check --all-targets; \
	  echo "wrote $$(ls .sqlx | wc -l) queries to .sqlx/"
