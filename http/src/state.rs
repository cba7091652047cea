//! The state every handler shares.

/// The exam service, shared by every handler.
pub type AppState = std::sync::Arc<kaoshi_exam::Exam>;
