//! The running exam service: the store, the event log, the clock and the
//! batches open in memory, with one method per thing a candidate, proctor,
//! marker, leader, admin or auditor does. Transport-free: the HTTP crate
//! calls these methods and the command line calls the same rules.
//!
//! An operation that changes anything ends with [`Exam::commit`], the one
//! place durability is waited for: nothing is acknowledged before a flush
//! that covers it.

mod audit;
mod bureau;
mod candidate;
mod core;
mod face;
mod face_check;
mod marking;
mod organisation;
mod proctor;
mod registers;
mod results;
mod roster;
mod staffing;
mod supervision;

pub use audit::LogCheck;
pub use candidate::Saved;
pub use core::{Exam, StaffSession};
pub use face::{Enrolled, PhotoOutcome, PhotoReport, MAX_ENROLMENT_BYTES};
pub use marking::{LeaderList, Next, Task, Waiting, LEASE_MS};
pub use organisation::{BankInfo, BatchRequest, BatchSummary};
pub use proctor::{Head, RoomSheet};
pub use registers::{Register, RegisterView};
pub use results::ExportFile;
pub use roster::RosterChange;
pub use staffing::{StaffRequest, StaffView};
