//! The state every handler shares: the exam service and the live streams.

use crate::stream::Streams;
use kaoshi_exam::Exam;
use std::ops::Deref;
use std::sync::Arc;

/// The exam service and what the HTTP side keeps beside it.
pub struct App {
    exam: Arc<Exam>,
    /// Proctors' event streams: feeds, tickets, caps.
    pub streams: Arc<Streams>,
}

impl App {
    /// The state over an exam service.
    pub fn new(exam: Arc<Exam>) -> AppState {
        Arc::new(App { exam, streams: Arc::default() })
    }

    /// The exam service itself.
    pub fn exam(&self) -> &Arc<Exam> {
        &self.exam
    }
}

impl Deref for App {
    type Target = Exam;

    fn deref(&self) -> &Exam {
        &self.exam
    }
}

/// Shared by every handler.
pub type AppState = Arc<App>;
