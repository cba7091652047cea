//! Question banks: the model, the three source files, and their export.

mod blueprint;
mod export;
mod items;
pub mod model;
mod source;
pub(crate) mod toml_fields;

pub use blueprint::{parse_blueprint, BANK_FILE};
pub use export::{export, SourceText};
pub use items::{parse_items, ITEMS_FILE};
pub use model::*;
pub use source::{parse_source, parse_spec_file, BankSource, SourceFiles, SOURCE_FILES};
