//! kaoshi's HTTP server: the router, authentication as extractors, the JSON
//! API per audience and the embedded web pages. It knows HTTP and JSON
//! bodies and nothing of the rules, which are the exam service's.
#![warn(missing_docs)]

mod agent;
pub mod auth;
pub mod error;
pub mod gate;
pub mod headers;
pub mod router;
pub mod routes;
pub mod serve;
pub mod state;
pub mod stream;
pub mod tls;
mod web;

pub use router::{router, router_for};
pub use state::{App, AppState};
