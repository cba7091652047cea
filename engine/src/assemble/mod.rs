//! Paper assembly (组卷): a different paper for every candidate, each meeting
//! every hard rule of the spec, items used evenly across the batch (random
//! cyclic drawing), neighbours sharing as few items as the bank allows.
//!
//! Paper `i` is a pure function of (bank content hash, spec, batch seed, i):
//! [`Assembler::paper`] computes one alone, [`Assembler::batch`] computes
//! many in parallel, and both give the same papers.

mod assembler;
mod build;
mod feasibility;
mod paper;
mod quota;
mod rng;
mod stats;
mod stream;

pub use assembler::Assembler;
pub use paper::{AssembleError, OptionOrder, Paper, PaperItem};
pub use stats::{batch_stats, BatchStats};
