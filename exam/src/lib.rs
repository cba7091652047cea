//! kaoshi's exam service: everything an exam day needs that is not HTTP and
//! not the command line. The store (the only sled user), the hash-chained
//! event log, the clock, staff and sessions, batches, the seat state
//! machine, answers, marking records, results and score totalling, exports,
//! bureau metrics and archives; and [`Exam`], the running service whose
//! methods the HTTP crate and the command line call.
#![warn(missing_docs)]

pub mod admin;
pub mod answers;
pub mod archive;
pub mod batch;
pub mod calendar;
pub mod clock;
pub mod demo;
pub mod durable_file;
pub mod eligibility;
pub mod error;
pub mod events;
pub mod exports;
pub mod face;
pub mod filing;
pub mod identity;
pub mod log;
pub mod marking;
pub mod metrics;
pub mod org_key;
pub mod personnel;
pub mod plan;
pub mod register_file;
pub mod results;
pub mod room_record;
pub mod rooms;
pub mod roster_file;
pub mod rules;
pub mod scope;
pub mod seat;
pub mod service;
pub mod settings;
pub mod signing;
pub mod staff;
pub mod store;
pub mod supervision;
pub mod throttle;
pub mod witness;

pub use error::{Code, ExamError, Kind, Refusal};
pub use service::Exam;
