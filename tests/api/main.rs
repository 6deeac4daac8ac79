//! Black-box tests: a real server on a free port, over a fresh Postgres
//! database of its own for every test.

mod helpers;

mod audit;
mod canary;
mod database;
mod guards;
mod headers;
mod history;
mod load;
mod masking;
mod product;
mod sign_in;
mod support;
