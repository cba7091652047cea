//! kaoshi's engine: question banks, sealing, paper assembly, grading and audit.
//!
//! The engine is pure: it reads no files, opens no sockets, reads no clock and
//! holds no global state. Callers hand it texts and bytes (and, where
//! randomness is needed for keys, a random-number generator) and get values
//! back. The same inputs give the same outputs whatever the thread count.
#![warn(missing_docs)]

pub mod assemble;
pub mod audit;
pub mod bank;
pub mod diag;
pub mod grade;
pub mod hash;
pub mod marking;
pub mod seal;
pub mod spec;
pub mod synth;

pub use bank::{parse_source, Bank, BankSource, SourceFiles};
pub use diag::{Diagnostic, SourceError};
pub use hash::BankHash;
pub use spec::PaperSpec;
