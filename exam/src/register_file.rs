//! The organisation's register files (organisation, scope, rooms, staff):
//! each optional in the data directory.

use std::path::Path;

/// Reads and parses an optional register file: `None` when it is absent;
/// otherwise the parse's own message, or the read error naming the file.
pub fn read_optional<T>(file: &Path, parse: impl Fn(&str, &str) -> Result<T, String>) -> Result<Option<T>, String> {
    match std::fs::read_to_string(file) {
        Ok(text) => parse(&file.display().to_string(), &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}：{e}", file.display())),
    }
}
