//! End-to-end tests: real sockets, SQLite files and a real PostgreSQL server.

mod support;

mod backfill;
mod browser;
mod budgets;
mod calibration;
mod cli;
mod commands;
mod digests;
mod faults;
mod graphql;
mod growth;
mod history;
mod leaks;
mod next_steps;
mod open_work;
mod outages;
mod pipeline;
mod program;
mod reconcile;
mod replicas;
mod sending;
mod setup;
mod shipping;
mod sources;
mod webhook;
