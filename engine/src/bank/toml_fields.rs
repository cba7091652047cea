//! Typed, located field access over a parsed TOML document, collecting every
//! problem instead of stopping at the first (serde would stop at the first).

use crate::diag::{Diagnostic, LineIndex};
use std::ops::Range;
use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

/// A TOML table with the byte span it came from.
pub(crate) type Table<'i> = Spanned<DeTable<'i>>;

/// Reads fields of one TOML file, recording problems with file and line.
pub(crate) struct TomlReader {
    file: String,
    lines: LineIndex,
    pub(crate) diags: Vec<Diagnostic>,
}

impl TomlReader {
    /// Parses `text`; a syntax error is returned as the only diagnostic.
    pub(crate) fn parse<'i>(file: &str, text: &'i str) -> (TomlReader, Option<Table<'i>>) {
        let mut reader = TomlReader { file: file.to_string(), lines: LineIndex::new(text), diags: Vec::new() };
        match DeTable::parse(text) {
            Ok(table) => (reader, Some(table)),
            Err(e) => {
                let line = e.span().map(|s| reader.lines.line(s.start));
                let message = format!("invalid TOML: {}", e.message().trim());
                reader.diags.push(Diagnostic::new(file, line, None, message));
                (reader, None)
            }
        }
    }

    /// Records a problem at `span`.
    pub(crate) fn error(&mut self, span: Range<usize>, field: &str, message: impl Into<String>) {
        let line = self.lines.line(span.start);
        let field = (!field.is_empty()).then_some(field);
        self.diags.push(Diagnostic::new(&self.file, Some(line), field, message));
    }

    /// The line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    fn lookup<'t, 'i>(table: &'t Table<'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        table.get_ref().get(key)
    }

    /// Reports keys other than `allowed`.
    pub(crate) fn deny_unknown(&mut self, table: &Table<'_>, allowed: &[&str], path: &str) {
        for (key, _) in table.get_ref().iter() {
            if !allowed.contains(&key.get_ref().as_ref()) {
                let field = join(path, key.get_ref());
                let expected = allowed.join(", ");
                self.error(key.span(), &field, format!("unknown field (expected one of: {expected})"));
            }
        }
    }

    fn missing(&mut self, table: &Table<'_>, key: &str, path: &str) {
        self.error(table.span(), &join(path, key), "missing required field");
    }

    fn wrong_type(&mut self, value: &Spanned<DeValue<'_>>, key: &str, path: &str, expected: &str) {
        let found = type_name(value.get_ref());
        self.error(value.span(), &join(path, key), format!("expected {expected}, found {found}"));
    }

    /// A string field; `None` (with a diagnostic when required) if absent or mistyped.
    pub(crate) fn string(
        &mut self,
        table: &Table<'_>,
        key: &str,
        path: &str,
        required: bool,
    ) -> Option<(String, Range<usize>)> {
        match Self::lookup(table, key) {
            None => {
                if required {
                    self.missing(table, key, path);
                }
                None
            }
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Some((s.to_string(), v.span())),
                _ => {
                    self.wrong_type(v, key, path, "a string");
                    None
                }
            },
        }
    }

    /// A non-empty string field.
    pub(crate) fn text(&mut self, table: &Table<'_>, key: &str, path: &str) -> Option<(String, Range<usize>)> {
        let (s, span) = self.string(table, key, path, true)?;
        if s.trim().is_empty() {
            self.error(span, &join(path, key), "must not be empty");
            return None;
        }
        Some((s, span))
    }

    /// An integer field.
    pub(crate) fn integer(
        &mut self,
        table: &Table<'_>,
        key: &str,
        path: &str,
        required: bool,
    ) -> Option<(i64, Range<usize>)> {
        let Some(v) = Self::lookup(table, key) else {
            if required {
                self.missing(table, key, path);
            }
            return None;
        };
        match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                Ok(n) => Some((n, v.span())),
                Err(_) => {
                    self.error(v.span(), &join(path, key), "integer out of range");
                    None
                }
            },
            _ => {
                self.wrong_type(v, key, path, "an integer");
                None
            }
        }
    }

    /// A finite number field (integer or float).
    pub(crate) fn number(
        &mut self,
        table: &Table<'_>,
        key: &str,
        path: &str,
        required: bool,
    ) -> Option<(f64, Range<usize>)> {
        let Some(v) = Self::lookup(table, key) else {
            if required {
                self.missing(table, key, path);
            }
            return None;
        };
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok().map(|n| n as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => {
                self.wrong_type(v, key, path, "a number");
                return None;
            }
        };
        match parsed {
            Some(x) if x.is_finite() => Some((x, v.span())),
            _ => {
                self.error(v.span(), &join(path, key), "must be a finite number");
                None
            }
        }
    }

    /// An array field.
    pub(crate) fn array<'t, 'i>(
        &mut self,
        table: &'t Table<'i>,
        key: &str,
        path: &str,
        required: bool,
    ) -> Option<(&'t DeArray<'i>, Range<usize>)> {
        let Some(v) = Self::lookup(table, key) else {
            if required {
                self.missing(table, key, path);
            }
            return None;
        };
        match v.get_ref() {
            DeValue::Array(a) => Some((a, v.span())),
            _ => {
                self.wrong_type(v, key, path, "an array");
                None
            }
        }
    }

    /// A sub-table field.
    pub(crate) fn table<'i>(&mut self, table: &Table<'i>, key: &str, path: &str) -> Option<Table<'i>> {
        let v = Self::lookup(table, key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(Spanned::new(v.span(), t.clone())),
            _ => {
                self.wrong_type(v, key, path, "a table");
                None
            }
        }
    }

    /// The elements of an array that are tables; others are reported.
    pub(crate) fn tables_in<'i>(&mut self, array: &DeArray<'i>, path: &str) -> Vec<(usize, Table<'i>)> {
        let mut out = Vec::new();
        for (i, v) in array.iter().enumerate() {
            match v.get_ref() {
                DeValue::Table(t) => out.push((i, Spanned::new(v.span(), t.clone()))),
                other => {
                    let found = type_name(other);
                    self.error(v.span(), &format!("{path}[{i}]"), format!("expected a table, found {found}"));
                }
            }
        }
        out
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}
