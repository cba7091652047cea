//! The files organisations file: the results summary (认定结果汇总表), the
//! certificate information table (合格人员证书信息表) and item statistics,
//! as CSV (with a byte-order mark) or XLSX.

use crate::batch::LoadedBatch;
use crate::error::{Code, ExamError, Refusal};
use crate::seat::{SeatRecord, Status};
use kaoshi_engine::grade::{encode_response, Grader};
use std::collections::HashMap;

/// A table: header row first.
pub type Rows = Vec<Vec<String>>;

/// The export files, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `results`: 认定结果汇总表 (after publication).
    Results,
    /// `certificates`: 合格人员证书信息表 (after publication).
    Certificates,
    /// `items`: item statistics.
    Items,
    /// `registrations`: 报名汇总表.
    Registrations,
    /// `review`: 申报审核表.
    Review,
    /// `supervision`: 内部督导记录表及整改台账.
    Supervision,
    /// `plan`: the plan against what happened (计划与实际对照表).
    Plan,
}

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a byte-order mark.
    Csv,
    /// Office Open XML workbook.
    Xlsx,
}

impl Table {
    /// Parses `results.csv`, `items.xlsx`, ….
    pub fn parse(file: &str) -> Result<(Table, Format), Refusal> {
        let unknown = || Refusal::not_found(Code::UnknownExport, format!("没有导出文件 {file}"));
        let (name, ext) = file.rsplit_once('.').ok_or_else(unknown)?;
        let table = match name {
            "results" => Table::Results,
            "certificates" => Table::Certificates,
            "items" => Table::Items,
            "registrations" => Table::Registrations,
            "review" => Table::Review,
            "supervision" => Table::Supervision,
            "plan" => Table::Plan,
            other => return Err(Refusal::not_found(Code::UnknownExport, format!("没有导出表 {other}"))),
        };
        let format = match ext {
            "csv" => Format::Csv,
            "xlsx" => Format::Xlsx,
            other => {
                return Err(Refusal::not_found(Code::UnknownExport, format!("不支持的格式 {other}（可用 csv、xlsx）")))
            }
        };
        Ok((table, format))
    }

    /// The sheet name in a workbook.
    pub fn sheet(self) -> &'static str {
        match self {
            Table::Results => "认定结果汇总表",
            Table::Certificates => "合格人员证书信息表",
            Table::Items => "题目统计",
            Table::Registrations => "报名汇总表",
            Table::Review => "申报审核表",
            Table::Supervision => "督导记录及整改台账",
            Table::Plan => "计划与实际对照表",
        }
    }

    /// Whether it may be exported only after publication.
    pub fn after_publication(self) -> bool {
        matches!(self, Table::Results | Table::Certificates)
    }
}

impl Format {
    /// MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file's bytes.
    pub fn write(self, sheet: &str, rows: &[Vec<String>]) -> Result<Vec<u8>, ExamError> {
        match self {
            Format::Csv => csv_bytes(rows),
            Format::Xlsx => xlsx_bytes(sheet, rows),
        }
    }
}

fn level_zh(code: &str) -> &'static str {
    kaoshi_engine::bank::Level::from_code(code).map_or("", |l| l.name_zh())
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Rows of the results summary and the certificate table.
pub fn result_tables(batch: &LoadedBatch, seats: &[SeatRecord]) -> (Rows, Rows) {
    let meta = &batch.source.bank.meta;
    let level = level_zh(meta.level.code()).to_string();
    let date = chrono::DateTime::from_timestamp_millis(batch.batch.start)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let mut results = vec![header(&[
        "序号",
        "准考证号",
        "姓名",
        "身份证件号码",
        "单位",
        "职业（工种）",
        "职业编码",
        "等级",
        "理论知识成绩",
        "结果",
        "备注",
    ])];
    let mut certs = vec![header(&[
        "序号",
        "姓名",
        "证件类型",
        "证件号码",
        "职业（工种）",
        "职业编码",
        "等级",
        "理论知识成绩",
        "评价批次",
        "考试日期",
        "上传状态",
    ])];
    for (n, seat) in seats.iter().enumerate() {
        // A result cancelled for a violation shows as 0 / 不合格 with why.
        let (score, verdict, note) = match (&seat.status, &seat.result, &seat.cancelled) {
            (_, _, Some(why)) => ("0.0".to_string(), "不合格", format!("{}（{why}）", crate::seat::CANCEL_RESULT)),
            (Status::Submitted, Some(r), None) => {
                (format!("{:.1}", r.score), if r.passed == Some(true) { "合格" } else { "不合格" }, String::new())
            }
            _ => (String::new(), "缺考", String::new()),
        };
        results.push(vec![
            (n + 1).to_string(),
            seat.ticket.clone(),
            seat.name.clone(),
            seat.id_number.clone(),
            seat.organisation.clone(),
            meta.occupation.clone(),
            meta.occupation_code.clone(),
            level.clone(),
            score.clone(),
            verdict.to_string(),
            note,
        ]);
        if verdict == "合格" {
            certs.push(vec![
                certs.len().to_string(),
                seat.name.clone(),
                seat.id_type.clone(),
                seat.id_number.clone(),
                meta.occupation.clone(),
                meta.occupation_code.clone(),
                level.clone(),
                score,
                batch.batch.name.clone(),
                date.clone(),
                if seat.under_sixteen {
                    format!("不能上传：{}", crate::eligibility::UNDER_SIXTEEN)
                } else {
                    "可上传".into()
                },
            ]);
        }
    }
    (results, certs)
}

/// One answer sheet for item statistics: total score, and per position the
/// item, its score share and the original options chosen.
type StatSheet = (f64, Vec<(u32, f64, Option<u8>)>);

#[derive(Default)]
struct Acc {
    n: usize,
    sum: f64,
    upper: (usize, f64),
    lower: (usize, f64),
    options: [usize; 8],
    blank: usize,
}

/// Per-item statistics over handed-in seats: p-value, discrimination (upper −
/// lower 27 %), option counts. `responses(seat)` gives a seat's saved responses.
pub fn item_stats(
    batch: &LoadedBatch,
    seats: &[SeatRecord],
    mut responses: impl FnMut(&SeatRecord) -> Vec<Option<String>>,
) -> Result<Rows, ExamError> {
    let bank = &batch.source.bank;
    let point_module = bank.point_modules();
    let grader = Grader::new(bank, &batch.batch.spec);
    let mut sheets: Vec<StatSheet> = Vec::new();
    for seat in seats {
        let (Status::Submitted, Some(result)) = (&seat.status, &seat.result) else { continue };
        let paper = batch.paper_of(seat)?;
        let responses = responses(seat);
        let mut row = Vec::new();
        for (pos, (it, r)) in paper.items.iter().zip(&responses).enumerate() {
            let full = batch.batch.spec.sections[usize::from(it.section)].score;
            let byte = encode_response(bank, it, pos, r.as_deref()).unwrap_or(0);
            let score = result.items.get(pos).copied().flatten().or_else(|| grader.item_score(it, byte)).unwrap_or(0.0);
            let order = it.option_order.as_slice();
            let chosen = (!order.is_empty() && byte != 0)
                .then(|| (0..order.len()).filter(|k| byte & (1 << k) != 0).fold(0u8, |m, k| m | 1 << order[k]));
            row.push((it.item, score / full, chosen));
        }
        sheets.push((result.score, row));
    }
    sheets.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = sheets.len();
    let group = ((n as f64) * 0.27).ceil() as usize;
    let mut acc: HashMap<u32, Acc> = HashMap::new();
    for (rank, (_, row)) in sheets.iter().enumerate() {
        for &(item, share, chosen) in row {
            let a = acc.entry(item).or_default();
            a.n += 1;
            a.sum += share;
            if rank < group {
                a.upper.0 += 1;
                a.upper.1 += share;
            }
            if rank >= n.saturating_sub(group) {
                a.lower.0 += 1;
                a.lower.1 += share;
            }
            match chosen {
                Some(mask) => (0..8).filter(|k| mask & (1 << k) != 0).for_each(|k| a.options[k] += 1),
                None if !bank.items[item as usize].options().is_empty() => a.blank += 1,
                None => {}
            }
        }
    }
    let mut rows = vec![header(&[
        "题目编号",
        "题型",
        "模块",
        "鉴定点",
        "作答人次",
        "难度(得分率P)",
        "区分度(D)",
        "各选项人次",
        "未作答",
    ])];
    let mut items: Vec<_> = acc.into_iter().collect();
    items.sort_by_key(|(i, _)| *i);
    for (i, a) in items {
        let item = &bank.items[i as usize];
        let p = a.sum / a.n as f64;
        let mean = |g: (usize, f64)| if g.0 == 0 { 0.0 } else { g.1 / g.0 as f64 };
        let options = (0..item.options().len())
            .map(|k| format!("{}:{}", char::from(b'A' + k as u8), a.options[k]))
            .collect::<Vec<_>>()
            .join(" ");
        let module = point_module.get(item.point.as_str()).map(|&m| bank.modules[m].code.clone()).unwrap_or_default();
        rows.push(vec![
            item.id.clone(),
            item.item_type().name_zh().into(),
            module,
            item.point.clone(),
            a.n.to_string(),
            format!("{p:.3}"),
            format!("{:.3}", mean(a.upper) - mean(a.lower)),
            options,
            a.blank.to_string(),
        ]);
    }
    Ok(rows)
}

/// A cell as a spreadsheet program may safely open it: text from a roster
/// or a bank that starts like a formula (`= + - @`, a tab or a carriage
/// return) gets a leading apostrophe, so `=HYPERLINK(…)` in a name is shown,
/// not run. Numbers (`-1.5`) stay as they are.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let formula_like = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula_like && cell.trim().parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn csv_bytes(rows: &[Vec<String>]) -> Result<Vec<u8>, ExamError> {
    // A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for r in rows {
        w.write_record(r.iter().map(|c| neutralise(c).into_owned()))
            .map_err(|e| ExamError::Internal(format!("csv: {e}")))?;
    }
    w.into_inner().map_err(|e| ExamError::Internal(format!("csv: {e}")))
}

fn xlsx_bytes(sheet: &str, rows: &[Vec<String>]) -> Result<Vec<u8>, ExamError> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| ExamError::Internal(format!("xlsx: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(xlsx)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r == 0 {
                ws.write_string_with_format(r, c, cell, &bold).map_err(xlsx)?;
            } else {
                // A string cell is never evaluated, but it can be copied into one that is.
                ws.write_string(r, c, neutralise(cell)).map_err(xlsx)?;
            }
        }
    }
    book.save_to_buffer().map_err(xlsx)
}

// The eligibility review's exports (池人社发〔2024〕4号 第十六条 lists both among the archive).

/// The batch as its exports name it.
pub struct Heading<'a> {
    /// Occupation code.
    pub occupation_code: &'a str,
    /// Occupation.
    pub occupation: &'a str,
    /// Level code.
    pub level: &'a str,
    /// Who created the batch (the implicit reviewer).
    pub creator: &'a str,
}

/// Who reviewed it, as a person reads it: the account, not `staff:account`.
fn reviewer_of<'a>(r: &'a crate::eligibility::Review, h: &'a Heading<'_>) -> &'a str {
    let who = if r.implicit { h.creator } else { &r.reviewer };
    who.strip_prefix("staff:").unwrap_or(who)
}

/// 报名汇总表: one line per candidate as registered.
pub fn registrations(seats: &[SeatRecord], h: &Heading<'_>) -> Rows {
    let mut rows = vec![[
        "序号",
        "准考证号",
        "姓名",
        "证件类型",
        "证件号码",
        "单位",
        "申报职业（工种）",
        "职业编码",
        "申报等级",
        "考场",
        "座位号",
        "审核结果",
        "备注",
    ]
    .map(String::from)
    .to_vec()];
    for (n, s) in seats.iter().enumerate() {
        let r = s.review.clone().unwrap_or_default();
        let (code, level) = declared(&r, h);
        rows.push(vec![
            (n + 1).to_string(),
            s.ticket.clone(),
            s.name.clone(),
            s.id_type.clone(),
            s.id_number.clone(),
            s.organisation.clone(),
            if code == h.occupation_code { h.occupation.to_string() } else { String::new() },
            code.to_string(),
            crate::scope::level_zh(level),
            s.room.clone(),
            s.seat.clone(),
            r.outcome.name_zh().to_string(),
            if s.under_sixteen { crate::eligibility::UNDER_SIXTEEN.to_string() } else { String::new() },
        ]);
    }
    rows
}

/// The occupation code and level a candidate applied for: the batch's when
/// the roster left them out (a roster may name the occupation or give its code).
fn declared<'a>(r: &'a crate::eligibility::Review, h: &Heading<'a>) -> (&'a str, &'a str) {
    let occupation = r.declared_occupation.as_str();
    let code = if occupation.is_empty() || occupation == h.occupation { h.occupation_code } else { occupation };
    let level = if r.declared_level.is_empty() { h.level } else { r.declared_level.as_str() };
    (code, level)
}

/// 申报审核表: each candidate's declaration and its review.
pub fn review_form(seats: &[SeatRecord], h: &Heading<'_>) -> Rows {
    let mut rows = vec![[
        "序号",
        "准考证号",
        "姓名",
        "证件类型",
        "证件号码",
        "申报职业编码",
        "申报等级",
        "申报条件",
        "审核结果",
        "审核人",
        "说明",
    ]
    .map(String::from)
    .to_vec()];
    for (n, s) in seats.iter().enumerate() {
        let r = s.review.clone().unwrap_or_default();
        let note = if r.implicit { "名单未含审核列，视为批次创建人审核通过" } else { "" };
        rows.push(vec![
            (n + 1).to_string(),
            s.ticket.clone(),
            s.name.clone(),
            s.id_type.clone(),
            s.id_number.clone(),
            declared(&r, h).0.to_string(),
            crate::scope::level_zh(declared(&r, h).1),
            r.condition.clone(),
            r.outcome.name_zh().to_string(),
            reviewer_of(&r, h).to_string(),
            note.to_string(),
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Vec<String>> {
        let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        vec![
            row(&["姓名", "单位", "成绩"]),
            row(&["=HYPERLINK(\"http://evil.example\",\"点我\")", "@SUM(A1)", "-1.5"]),
            row(&["+86 电话", "\tTAB", "90"]),
        ]
    }

    #[test]
    fn cells_that_look_like_formulas_are_shown_not_run_in_csv_and_xlsx() {
        let csv = String::from_utf8(Format::Csv.write("成绩", &rows()).expect("csv")).expect("utf-8");
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")\""), "{csv}");
        assert!(csv.contains(",'@SUM(A1),-1.5\n"), "a number stays a number: {csv}");
        assert!(csv.contains("'+86 电话,'\tTAB,90"), "{csv}");

        use calamine::Reader;
        let bytes = Format::Xlsx.write("成绩", &rows()).expect("xlsx");
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("an xlsx file");
        let sheet = book.worksheet_range("成绩").expect("the sheet");
        let cell = |r: u32, c: u32| sheet.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!(cell(1, 0), "'=HYPERLINK(\"http://evil.example\",\"点我\")");
        assert_eq!((cell(1, 1), cell(1, 2), cell(2, 0)), ("'@SUM(A1)".into(), "-1.5".into(), "'+86 电话".into()));
        assert!(book.worksheet_formula("成绩").expect("formulas").used_cells().next().is_none(), "no formula cell");
    }
}
