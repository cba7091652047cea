//! Results: score totalling (统分复核), publication with a public-notice
//! period (公示), appeals, and the exports organisations file — results
//! summary (认定结果汇总表), certificate information (合格人员证书信息表) and item
//! statistics.

use crate::api_proctor::staff_of;
use crate::app::{now_ms, AppState, LoadedBatch};
use crate::auth;
use crate::error::AppError;
use crate::marking_api::{records, MarkingRecord};
use crate::seat::{SeatRecord, Status};
use crate::store::tree;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Datelike, Duration as Days, FixedOffset, TimeZone, Weekday};
use kaoshi_engine::bank::ItemBody;
use kaoshi_engine::grade::{encode_response, Grader};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Working days results stay on public notice.
pub const NOTICE_WORKING_DAYS: u32 = 5;

/// A publication record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Publication {
    /// When (Unix ms).
    pub at: i64,
    /// Who.
    pub by: String,
    /// End of the public notice (Unix ms); results are final after it.
    pub notice_until: i64,
}

/// What score totalling found.
#[derive(Debug, Default, Serialize)]
pub struct Totals {
    /// Seats in the batch.
    pub seats: usize,
    /// Seats handed in.
    pub submitted: usize,
    /// Seats that never started (缺考).
    pub absent: usize,
    /// Seats still sitting.
    pub sitting: usize,
    /// Short responses without a final score.
    pub unmarked: usize,
    /// Responses due for recheck and not yet rechecked.
    pub recheck_due: usize,
    /// Differences between stored results and the independent recount.
    pub mismatches: Vec<Value>,
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-6,
        (None, None) => true,
        _ => false,
    }
}

/// Recounts every seat from the raw data — saved answers through the key,
/// marks through the 2+1+1 rule — and compares with the stored results.
pub fn totals(app: &AppState, batch: &LoadedBatch) -> Result<Totals, AppError> {
    let id = &batch.batch.id;
    let bank = &batch.source.bank;
    let grader = Grader::new(bank, &batch.batch.spec);
    let marks: HashMap<(String, usize), MarkingRecord> =
        records(app, id)?.into_iter().map(|(_, r)| ((r.ticket.clone(), r.pos), r)).collect();
    let mut t = Totals::default();
    for (_, seat) in app.store.scan::<SeatRecord>(tree::SEATS, &format!("{id}/"))? {
        t.seats += 1;
        match seat.status {
            Status::Submitted => t.submitted += 1,
            _ if !seat.started => {
                t.absent += 1;
                continue;
            }
            _ => {
                t.sitting += 1;
                continue;
            }
        }
        let paper = batch.papers.get(seat.paper as usize).ok_or_else(|| AppError::NotFound("paper".into()))?;
        let responses = app.responses(batch, &seat)?;
        let stored = seat.result.as_ref();
        let mut total = 0.0;
        for (pos, (it, response)) in paper.items.iter().zip(&responses).enumerate() {
            let recount = match &bank.items[it.item as usize].body {
                ItemBody::Short { .. } => {
                    let r = marks.get(&(seat.ticket.clone(), pos));
                    let resolved = r.and_then(MarkingRecord::paper_score);
                    if resolved.is_none() {
                        t.unmarked += 1;
                    }
                    if r.is_some_and(|r| r.due_for_recheck(batch.batch.recheck_share)) {
                        t.recheck_due += 1;
                    }
                    resolved
                }
                _ => {
                    let byte = encode_response(bank, it, pos, response.as_deref()).unwrap_or(0);
                    grader.item_score(it, byte)
                }
            };
            total += recount.unwrap_or(0.0);
            let kept = stored.and_then(|s| s.items.get(pos).copied().flatten());
            if !same(kept, recount) {
                t.mismatches
                    .push(json!({"ticket": seat.ticket, "position": pos, "stored": kept, "recounted": recount}));
            }
        }
        if let Some(s) = stored {
            if (s.score - total).abs() > 1e-6 {
                t.mismatches
                    .push(json!({"ticket": seat.ticket, "position": null, "stored": s.score, "recounted": total}));
            }
        } else {
            t.mismatches.push(json!({"ticket": seat.ticket, "position": null, "stored": null, "recounted": total}));
        }
    }
    Ok(t)
}

const ADMINS: &[&str] = &["admin"];
const READERS: &[&str] = &["admin", "leader", "auditor"];

/// `GET /api/admin/batches/{id}/totals`.
pub async fn get_totals(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    staff_of(&app, auth::bearer(&headers), READERS)?;
    let batch = app.batch(&id)?;
    let t = totals(&app, &batch)?;
    let publication: Option<Publication> = app.store.get(tree::META, &format!("publication/{id}"))?;
    let mut v = json!(t);
    v["publication"] = json!(publication);
    v["final"] = json!(publication.is_some_and(|p| now_ms() > p.notice_until));
    Ok(Json(v))
}

/// The end of the notice: `days` working days (Monday–Friday, China time) after `at`.
pub fn notice_end(at: i64, days: u32) -> i64 {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    let Some(mut t) = tz.timestamp_millis_opt(at).single() else { return at };
    let mut left = days;
    while left > 0 {
        t += Days::days(1);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t.timestamp_millis()
}

/// `POST /api/admin/batches/{id}/publish`: blocked by any sitting seat,
/// unmarked response, due recheck or totalling mismatch.
pub async fn publish(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), ADMINS)?;
    let batch = app.batch(&id)?;
    let key = format!("publication/{id}");
    if app.store.get::<Publication>(tree::META, &key)?.is_some() {
        return Err(AppError::Conflict("the results are already published".into()));
    }
    let t = totals(&app, &batch)?;
    let mut blockers = Vec::new();
    if t.sitting > 0 {
        blockers.push(format!("{} candidates are still sitting", t.sitting));
    }
    if t.unmarked > 0 {
        blockers.push(format!("{} short answers have no final mark", t.unmarked));
    }
    if t.recheck_due > 0 {
        blockers.push(format!("{} marks await recheck", t.recheck_due));
    }
    if !t.mismatches.is_empty() {
        blockers.push(format!("score totalling found {} differences: {}", t.mismatches.len(), json!(t.mismatches)));
    }
    if !blockers.is_empty() {
        return Err(AppError::Conflict(format!("cannot publish: {}", blockers.join("; "))));
    }
    let at = now_ms();
    let publication = Publication { at, by: user.clone(), notice_until: notice_end(at, NOTICE_WORKING_DAYS) };
    app.store.put(tree::META, &key, &publication)?;
    app.event(
        &format!("staff:{user}"),
        "publish",
        &id,
        None,
        json!({"notice_until": publication.notice_until, "submitted": t.submitted, "absent": t.absent}),
    )?;
    app.store.durable().await?;
    Ok(Json(json!(publication)))
}

/// Appeal body.
#[derive(Deserialize)]
pub struct AppealBody {
    ticket: String,
    reason: String,
}

/// `POST /api/admin/batches/{id}/appeals {"ticket","reason"}`: during the
/// notice, sends the candidate's marked answers back to recheck.
pub async fn appeal(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<AppealBody>,
) -> Result<Json<Value>, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), ADMINS)?;
    let publication: Publication = app
        .store
        .get(tree::META, &format!("publication/{id}"))?
        .ok_or_else(|| AppError::Conflict("appeals open with publication".into()))?;
    if now_ms() > publication.notice_until {
        return Err(AppError::Conflict("the public notice has ended: results are final".into()));
    }
    if body.reason.trim().is_empty() {
        return Err(AppError::BadRequest("an appeal needs a reason".into()));
    }
    app.seat(&id, &body.ticket)?;
    let mut reopened = 0;
    for (key, mut r) in records(&app, &id)? {
        if r.ticket == body.ticket && r.marking.final_score().is_some() {
            r.appealed = true;
            r.marking.rechecks.clear();
            app.store.put(tree::MARKING, &key, &r)?;
            reopened += 1;
        }
    }
    app.event(
        &format!("staff:{user}"),
        "appeal",
        &id,
        Some(&body.ticket),
        json!({"reason": body.reason, "rechecks": reopened}),
    )?;
    app.store.durable().await?;
    Ok(Json(json!({"rechecks": reopened})))
}

fn level_zh(code: &str) -> &'static str {
    kaoshi_engine::bank::Level::from_code(code).map_or("", |l| l.name_zh())
}

/// A table: header row first.
type Rows = Vec<Vec<String>>;

/// One answer sheet for item statistics: total score, and per position the
/// item, its score share and the original options chosen.
type StatSheet = (f64, Vec<(u32, f64, Option<u8>)>);

/// Rows of the results summary and the certificate table.
fn tables(app: &AppState, batch: &LoadedBatch) -> Result<(Rows, Rows), AppError> {
    let meta = &batch.source.bank.meta;
    let date = chrono::DateTime::from_timestamp_millis(batch.batch.start)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let mut results = vec![[
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
    ]
    .map(String::from)
    .to_vec()];
    let mut certs = vec![[
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
    ]
    .map(String::from)
    .to_vec()];
    for (n, (_, seat)) in
        app.store.scan::<SeatRecord>(tree::SEATS, &format!("{}/", batch.batch.id))?.into_iter().enumerate()
    {
        let (score, verdict) = match (&seat.status, &seat.result) {
            (Status::Submitted, Some(r)) => {
                (format!("{:.1}", r.score), if r.passed == Some(true) { "合格" } else { "不合格" })
            }
            _ => (String::new(), "缺考"),
        };
        results.push(vec![
            (n + 1).to_string(),
            seat.ticket.clone(),
            seat.name.clone(),
            seat.id_number.clone(),
            seat.organisation.clone(),
            meta.occupation.clone(),
            meta.occupation_code.clone(),
            level_zh(meta.level.code()).to_string(),
            score.clone(),
            verdict.to_string(),
        ]);
        if verdict == "合格" {
            certs.push(vec![
                certs.len().to_string(),
                seat.name.clone(),
                "居民身份证".into(),
                seat.id_number.clone(),
                meta.occupation.clone(),
                meta.occupation_code.clone(),
                level_zh(meta.level.code()).to_string(),
                score,
                batch.batch.name.clone(),
                date.clone(),
            ]);
        }
    }
    Ok((results, certs))
}

/// Per-item statistics: p-value, discrimination (upper − lower 27 %), option counts.
fn item_stats(app: &AppState, batch: &LoadedBatch) -> Result<Rows, AppError> {
    let bank = &batch.source.bank;
    let point_module = bank.point_modules();
    let grader = Grader::new(bank, &batch.batch.spec);
    let mut sheets: Vec<StatSheet> = Vec::new();
    for (_, seat) in app.store.scan::<SeatRecord>(tree::SEATS, &format!("{}/", batch.batch.id))? {
        let (Status::Submitted, Some(result)) = (&seat.status, &seat.result) else { continue };
        let paper = batch.papers.get(seat.paper as usize).ok_or_else(|| AppError::NotFound("paper".into()))?;
        let responses = app.responses(batch, &seat)?;
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
    #[derive(Default)]
    struct Acc {
        n: usize,
        sum: f64,
        upper: (usize, f64),
        lower: (usize, f64),
        options: [usize; 8],
        blank: usize,
    }
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
    let mut rows =
        vec![["题目编号", "题型", "模块", "鉴定点", "作答人次", "难度(得分率P)", "区分度(D)", "各选项人次", "未作答"]
            .map(String::from)
            .to_vec()];
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

fn csv_bytes(rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    // A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for r in rows {
        w.write_record(r).map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    }
    w.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
}

fn xlsx_bytes(sheet: &str, rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            let written =
                if r == 0 { ws.write_string_with_format(r, c, cell, &bold) } else { ws.write_string(r, c, cell) };
            written.map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
        }
    }
    Ok(book.save_to_buffer().map_err(|e| anyhow::anyhow!("xlsx: {e}"))?)
}

/// `GET /api/admin/batches/{id}/export/{file}`: `results.csv|xlsx`,
/// `certificates.csv|xlsx` (after publication), `items.csv|xlsx`.
pub async fn export(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), READERS)?;
    let batch = app.batch(&id)?;
    let (name, ext) = file.rsplit_once('.').ok_or_else(|| AppError::NotFound(file.clone()))?;
    let published = app.store.get::<Publication>(tree::META, &format!("publication/{id}"))?.is_some();
    let (sheet, rows) = match name {
        "results" | "certificates" if !published => {
            return Err(AppError::Conflict("results are exported after publication".into()))
        }
        "results" => ("认定结果汇总表", tables(&app, &batch)?.0),
        "certificates" => ("合格人员证书信息表", tables(&app, &batch)?.1),
        "items" => ("题目统计", item_stats(&app, &batch)?),
        other => return Err(AppError::NotFound(format!("export {other}"))),
    };
    let (bytes, mime) = match ext {
        "csv" => (csv_bytes(&rows)?, "text/csv; charset=utf-8"),
        "xlsx" => (xlsx_bytes(sheet, &rows)?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        other => return Err(AppError::NotFound(format!("format {other}"))),
    };
    app.event(&format!("staff:{user}"), "export", &id, None, json!({"file": file, "rows": rows.len() - 1}))?;
    app.store.durable().await?;
    let disposition = format!("attachment; filename=\"{id}-{file}\"");
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// `GET /api/admin/batches/{id}/archive` (admin, auditor): the batch archive.
pub async fn archive(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = staff_of(&app, auth::bearer(&headers), &["admin", "auditor"])?;
    app.batch(&id)?;
    app.event(&format!("staff:{user}"), "export", &id, None, json!({"file": "archive"}))?;
    let bytes = crate::archive::export(&app.store, &id, now_ms())?;
    app.store.durable().await?;
    let disposition = format!("attachment; filename=\"{id}.kar\"");
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        bytes,
    )
        .into_response())
}
