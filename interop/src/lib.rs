//! Bringing banks into kaoshi from the places organisations keep them —
//! spreadsheets made from the usual 题库导入模板, IMS QTI 2.1/3.0 items and
//! content packages, Moodle XML and GIFT — and sending them out again as a
//! QTI 3.0 content package.
//!
//! Pure like the engine: callers hand in bytes (and, for a package
//! directory, a map of its files) and get back a bank plus a full account of
//! what was skipped and why. Nothing is dropped silently.

#![warn(missing_docs)]

pub mod build;
pub mod conventions;
pub mod draft;
pub mod gift;
pub mod moodle;
pub mod package;
pub mod qti;
pub mod qti_export;
pub mod sheet;
pub mod table;
pub mod text;
pub mod xml;

pub use build::{build, BuildError, Imported, Options};
pub use draft::{Draft, Harvest, Location, Note, Skipped};
pub use package::Files;
pub use sheet::FileError;

use std::fmt;

/// The formats `kaoshi bank import --from` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Workbooks: xlsx, xlsm, xls, ods.
    Xlsx,
    /// CSV or tab-separated text (UTF-8, UTF-16 or GB18030).
    Csv,
    /// QTI 2.1/3.0 items, or content packages (zip or directory with imsmanifest.xml).
    Qti,
    /// Moodle XML.
    MoodleXml,
    /// GIFT.
    Gift,
}

impl Format {
    /// Every format, in `--from` order.
    pub const ALL: [Format; 5] = [Format::Xlsx, Format::Csv, Format::Qti, Format::MoodleXml, Format::Gift];

    /// The `--from` name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Qti => "qti",
            Format::MoodleXml => "moodle-xml",
            Format::Gift => "gift",
        }
    }

    /// Parses a `--from` name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// File extensions read when a directory of this format is given.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Xlsx => &["xlsx", "xlsm", "xls", "ods"],
            Format::Csv => &["csv", "tsv", "txt"],
            Format::Qti => &["xml"],
            Format::MoodleXml => &["xml"],
            Format::Gift => &["gift", "txt"],
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What was handed in.
#[derive(Debug, Clone)]
pub enum Input {
    /// One file: its name (as the user gave it) and bytes.
    File {
        /// The name used in the report.
        name: String,
        /// The content.
        bytes: Vec<u8>,
    },
    /// A directory: its name and files by relative path.
    Dir {
        /// The name used in the report.
        name: String,
        /// Files by relative path with forward slashes.
        files: Files,
    },
}

fn read_file(format: Format, name: &str, bytes: &[u8]) -> Result<Harvest, FileError> {
    match format {
        Format::Xlsx => sheet::read_workbook(name, bytes),
        Format::Csv => sheet::read_csv(name, bytes),
        Format::Qti if bytes.starts_with(b"PK") => package::read_package(name, &package::unzip(name, bytes)?),
        Format::Qti => Ok(qti::read_item(name, &package::text_of(name, bytes)?, &qti::ItemMeta::default())),
        Format::MoodleXml => Ok(moodle::read_moodle(name, &package::text_of(name, bytes)?)),
        Format::Gift => Ok(gift::read_gift(name, &sheet::decode_text(name, bytes)?.0)),
    }
}

/// Reads an input in `format`. A directory is a content package for QTI when
/// it holds `imsmanifest.xml`; otherwise every file with one of the format's
/// extensions is read, in name order.
pub fn read(format: Format, input: &Input) -> Result<Harvest, FileError> {
    match input {
        Input::File { name, bytes } => read_file(format, name, bytes),
        Input::Dir { name, files } => {
            if format == Format::Qti && files.keys().any(|p| p.rsplit('/').next() == Some(package::MANIFEST)) {
                return package::read_package(name, files);
            }
            let mut harvest = Harvest::default();
            let mut any = false;
            for (path, bytes) in files {
                let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
                if format.extensions().contains(&ext.as_str()) {
                    any = true;
                    harvest.absorb(read_file(format, &format!("{name}/{path}"), bytes)?);
                }
            }
            if !any {
                let exts = format.extensions().join(", .");
                return Err(FileError::new(name, format!("no .{exts} file in the directory")));
            }
            Ok(harvest)
        }
    }
}
