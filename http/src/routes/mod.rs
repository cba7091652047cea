//! Handlers, one module per audience. Each extracts who is calling and what
//! they ask, calls the exam service, and answers with a typed body.

pub mod admin;
pub mod audit;
pub mod bureau;
pub mod face;
pub mod marking;
pub mod proctor;
pub mod registers;
pub mod results;
pub mod seat;
pub mod supervision;
