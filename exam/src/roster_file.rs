//! A roster as an organisation has it: a CSV file (UTF-8, a byte-order mark
//! allowed) or an Excel workbook (.xlsx, the first sheet), turned into the
//! roster.csv text that [`crate::batch::parse_roster`] checks line by line.

use crate::error::{Code, ExamError, Refusal};
use calamine::{Data, Reader};

fn invalid(message: impl Into<String>) -> ExamError {
    Refusal::invalid(Code::BatchInvalid, message).into()
}

/// The roster.csv text of an uploaded CSV or XLSX file.
pub fn roster_text(bytes: &[u8]) -> Result<String, ExamError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            invalid(format!(
                "名单文件不是 UTF-8 编码的 CSV（第 {} 字节起无法识别），请另存为 UTF-8 CSV 或 xlsx",
                e.valid_up_to()
            ))
        })?;
        return Ok(text.strip_prefix('\u{feff}').unwrap_or(text).to_string());
    }
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| invalid(format!("名单文件不是可读的 xlsx 工作簿：{e}")))?;
    let sheet = book.sheet_names().first().cloned().ok_or_else(|| invalid("名单工作簿中没有工作表"))?;
    let range = book.worksheet_range(&sheet).map_err(|e| invalid(format!("工作表“{sheet}”无法读取：{e}")))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for (r, row) in range.rows().enumerate() {
        let mut cells = Vec::with_capacity(row.len());
        for (c, cell) in row.iter().enumerate() {
            cells.push(match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.trim().to_string(),
                // An 18-digit identity number typed as a number has lost its last digits.
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                Data::Int(i) => i.to_string(),
                Data::Float(_) => {
                    return Err(invalid(format!(
                        "工作表“{sheet}”第 {} 行第 {} 列：数字过长或带小数（身份证件号码等请设为文本格式）",
                        r + 1,
                        c + 1
                    )))
                }
                other => other.to_string(),
            });
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        w.write_record(&cells).map_err(|e| ExamError::Internal(format!("roster: {e}")))?;
    }
    let bytes = w.into_inner().map_err(|e| ExamError::Internal(format!("roster: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ExamError::Internal(format!("roster: {e}")))
}
