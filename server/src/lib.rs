//! kaoshi's server side: the `kaoshi` command line, file handling and (later)
//! the HTTP server and its sled storage. Logic lives in `kaoshi-engine`; this
//! crate turns files, flags and sockets into calls on it.
#![warn(missing_docs)]

pub mod api_proctor;
pub mod api_seat;
pub mod app;
pub mod archive;
pub mod assemble_cmd;
pub mod audit_cmd;
pub mod auth;
pub mod bank_cmd;
pub mod bank_files;
pub mod batch;
pub mod cli;
pub mod coverage_report;
pub mod error;
pub mod events;
pub mod fuzzing;
pub mod grade_cmd;
pub mod interop_cmd;
pub mod keys;
pub mod load;
pub mod marking_api;
pub mod metrics;
mod progress;
pub mod results;
pub mod seat;
pub mod serve_cmd;
pub mod store;
mod web;

pub use cli::main;
