//! kaoshi's server side: the `kaoshi` command line, file handling and (later)
//! the HTTP server and its sled storage. Logic lives in `kaoshi-engine`; this
//! crate turns files, flags and sockets into calls on it.
#![warn(missing_docs)]

pub mod assemble_cmd;
pub mod bank_cmd;
pub mod bank_files;
pub mod cli;
pub mod keys;
mod progress;

pub use cli::main;
