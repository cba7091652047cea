//! CSV files and workbooks (xlsx, xls, ods) as [`Table`]s. CSV saved by Excel
//! on a Chinese Windows is GB18030 (GBK), "Unicode text" is UTF-16 with tabs;
//! both are read, and the report says which encoding was used.

use crate::draft::{Harvest, Location};
use crate::table::{column_name, read_table, sheet_type, Table};
use calamine::{Data, Reader};
use std::io::Cursor;

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct FileError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl FileError {
    /// An error about `file`.
    pub fn new(file: &str, message: impl Into<String>) -> Self {
        FileError { file: file.to_string(), message: message.into() }
    }
}

/// Decodes text the way spreadsheet tools write it: UTF-8 (with or without
/// BOM), UTF-16 with BOM, else GB18030. Returns the text and the encoding's name.
pub fn decode_text(name: &str, bytes: &[u8]) -> Result<(String, &'static str), FileError> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return std::str::from_utf8(rest).map(|s| (s.to_string(), "UTF-8")).map_err(|e| {
            FileError::new(name, format!("starts with a UTF-8 mark but is not UTF-8 (byte {})", e.valid_up_to() + 3))
        });
    }
    for (bom, enc) in [(&b"\xff\xfe"[..], encoding_rs::UTF_16LE), (&b"\xfe\xff"[..], encoding_rs::UTF_16BE)] {
        if bytes.starts_with(bom) {
            let (text, had_errors) = enc.decode_with_bom_removal(bytes);
            if had_errors {
                return Err(FileError::new(name, format!("not valid {}", enc.name())));
            }
            return Ok((text.into_owned(), enc.name()));
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(FileError::new(name, "neither UTF-8 nor GB18030 (GBK) text"));
    }
    Ok((text.into_owned(), "GB18030"))
}

/// Reads a CSV (or tab-separated) bank.
pub fn read_csv(name: &str, bytes: &[u8]) -> Result<Harvest, FileError> {
    // A workbook handed to the CSV reader would decode as garbage rows.
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xd0\xcf\x11\xe0") {
        return Err(FileError::new(name, "this is a workbook (xlsx/xls/ods), not CSV text: use --from xlsx"));
    }
    let (text, encoding) = decode_text(name, bytes)?;
    let first = text.lines().next().unwrap_or("");
    // Excel writes tabs for "Unicode text" and semicolons where the decimal mark is a comma.
    let delimiter = match (first.contains(','), first.contains('\t'), first.contains(';')) {
        (false, true, _) => b'\t',
        (false, false, true) => b';',
        _ => b',',
    };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut table = Table { name: name.to_string(), rows: Vec::new(), type_hint: None };
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
            FileError::new(name, format!("{line}not readable as CSV: {e}"))
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        table.rows.push((line, record.iter().map(str::to_string).collect()));
    }
    let mut harvest = read_table(&table);
    if encoding != "UTF-8" {
        harvest.note(Location::new(name, None), format!("read as {encoding} text (not UTF-8)"));
    }
    Ok(harvest)
}

/// Reads every sheet of a workbook (xlsx, xlsm, xls, ods).
pub fn read_workbook(name: &str, bytes: &[u8]) -> Result<Harvest, FileError> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| {
        let hint = if std::str::from_utf8(bytes).is_ok() { " (it is text: use --from csv)" } else { "" };
        FileError::new(name, format!("not a readable workbook: {e}{hint}"))
    })?;
    let mut harvest = Harvest::default();
    for sheet in book.sheet_names() {
        let label = format!("{name}[{sheet}]");
        let range = match book.worksheet_range(&sheet) {
            Ok(r) => r,
            Err(e) => {
                harvest.skip(Location::new(&label, None), format!("sheet cannot be read: {e}"));
                continue;
            }
        };
        let Some((top, _)) = range.start() else { continue };
        let mut table = Table { name: label.clone(), rows: Vec::new(), type_hint: sheet_type(&sheet) };
        for (i, row) in range.rows().enumerate() {
            let line = top as usize + i + 1;
            let mut cells = Vec::with_capacity(row.len());
            let mut bad = None;
            for (c, cell) in row.iter().enumerate() {
                match cell_text(cell) {
                    Ok(s) => cells.push(s),
                    Err(e) => {
                        bad.get_or_insert(format!("cell {} holds the error value {e}", column_name(c)));
                        cells.push(String::new());
                    }
                }
            }
            match bad {
                // A header row is never an error; a data row with an error cell is not guessed at.
                Some(reason) => harvest.skip(Location::new(&label, Some(line)), reason),
                None => table.rows.push((line, cells)),
            }
        }
        harvest.absorb(read_table(&table));
    }
    Ok(harvest)
}

fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Error(e) => return Err(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let gbk = encoding_rs::GB18030.encode("题型,题干\n").0.into_owned();
        assert_eq!(decode_text("x", &gbk).expect("gbk"), ("题型,题干\n".to_string(), "GB18030"));
        assert_eq!(decode_text("x", "\u{feff}题干".as_bytes()).expect("bom").0, "题干");
        let utf16: Vec<u8> =
            [0xff, 0xfe].into_iter().chain("题干\t答案".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode_text("x", &utf16).expect("utf16").0, "题干\t答案");
        let h = read_csv("x.csv", "题型;题干;答案\n判断题;电流的单位是安培;对\n".as_bytes()).expect("csv");
        assert_eq!(h.drafts.len(), 1, "semicolon-separated: {:?}", h.skipped);
        let h = read_csv("x.csv", "题型,题干,选项A,选项B,答案\n判断题,铜比铝导电性差。,错误,正确,A\n".as_bytes())
            .expect("csv");
        assert_eq!(h.drafts[0].body, kaoshi_engine::bank::ItemBody::Judge { answer: false }, "A is 错误 here");
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(27), "AB");
    }
}
