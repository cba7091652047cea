//! Marking of short answers: markers see an anonymous code, the stem, the
//! response, the reference answer and the rubric — never the candidate or
//! another mark; the group leader arbitrates and rechecks.

use crate::auth::{Leaders, Markers, Staff};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use kaoshi_engine::bank::ItemBody;
use kaoshi_engine::marking::Stage;
use kaoshi_exam::batch::LoadedBatch;
use kaoshi_exam::service::{LeaderList, Task};
use serde::{Deserialize, Serialize};

/// A rubric point.
#[derive(Serialize)]
pub struct RubricPoint {
    point: String,
    score: f64,
}

/// What the leader sees besides what a marker sees.
#[derive(Serialize)]
pub struct LeaderView {
    marks: Vec<f64>,
    final_score: Option<f64>,
    arbitrated: bool,
    appealed: bool,
}

/// A response to mark.
#[derive(Serialize)]
pub struct TaskBody {
    code: String,
    stem: String,
    response: String,
    reference: String,
    rubric: Vec<RubricPoint>,
    max_score: f64,
    stage: Stage,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    leader: Option<LeaderView>,
}

impl TaskBody {
    fn of(batch: &LoadedBatch, task: Task, for_leader: bool) -> TaskBody {
        let r = task.record;
        let item = &batch.source.bank.items[r.item as usize];
        let (reference, rubric) = match &item.body {
            ItemBody::Short { reference, rubric, .. } => (
                reference.clone(),
                rubric.iter().map(|p| RubricPoint { point: p.point.clone(), score: p.score }).collect(),
            ),
            _ => (String::new(), Vec::new()),
        };
        let leader = for_leader.then(|| LeaderView {
            marks: r.marking.marks.iter().map(|m| m.score).collect(),
            final_score: r.marking.final_score(),
            arbitrated: r.marking.arbitration.is_some(),
            appealed: r.appealed,
        });
        TaskBody {
            code: r.code,
            stem: item.stem.clone(),
            response: task.response.unwrap_or_default(),
            reference,
            rubric,
            max_score: r.marking.max_score,
            stage: r.marking.stage(),
            leader,
        }
    }
}

/// The next response for a marker.
#[derive(Serialize)]
pub struct NextBody {
    task: Option<TaskBody>,
    waiting: usize,
}

/// `GET /api/marking/batches/{id}/next`: the next response for this marker, or `{"task": null}`.
pub async fn next(
    State(exam): State<AppState>,
    who: Staff<Markers>,
    Path(id): Path<String>,
) -> ApiResult<Json<NextBody>> {
    let batch = exam.batch(&id)?;
    let (task, waiting) = exam.next_for_marker(&id, &who.user)?;
    Ok(Json(NextBody { task: task.map(|t| TaskBody::of(&batch, t, false)), waiting }))
}

/// Mark, arbitration and recheck body.
#[derive(Deserialize)]
pub struct MarkBody {
    code: String,
    score: f64,
    #[serde(default)]
    reason: String,
}

/// A mark taken.
#[derive(Serialize)]
pub struct MarkedBody {
    stage: Stage,
    final_score: Option<f64>,
}

/// `POST /api/marking/batches/{id}/marks {"code","score"}`.
pub async fn mark(
    State(exam): State<AppState>,
    who: Staff<Markers>,
    Path(id): Path<String>,
    Json(body): Json<MarkBody>,
) -> ApiResult<Json<MarkedBody>> {
    let r = exam.mark(&id, &who.user, &body.code, body.score).await?;
    Ok(Json(MarkedBody { stage: r.marking.stage(), final_score: r.marking.final_score() }))
}

fn leader_list(exam: &AppState, id: &str, list: LeaderList) -> ApiResult<Json<Vec<TaskBody>>> {
    let batch = exam.batch(id)?;
    Ok(Json(exam.leader_list(id, list)?.into_iter().map(|t| TaskBody::of(&batch, t, true)).collect()))
}

/// `GET /api/marking/batches/{id}/arbitrations`: responses waiting for the leader.
pub async fn arbitrations(
    State(exam): State<AppState>,
    _: Staff<Leaders>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TaskBody>>> {
    leader_list(&exam, &id, LeaderList::Arbitrations)
}

/// `GET /api/marking/batches/{id}/recheck`: every arbitrated response, the sample, and appeals.
pub async fn recheck_queue(
    State(exam): State<AppState>,
    _: Staff<Leaders>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TaskBody>>> {
    leader_list(&exam, &id, LeaderList::Recheck)
}

/// A leader's decision taken.
#[derive(Serialize)]
pub struct DecidedBody {
    final_score: Option<f64>,
}

/// `POST /api/marking/batches/{id}/arbitrate {"code","score","reason"}`.
pub async fn arbitrate(
    State(exam): State<AppState>,
    who: Staff<Leaders>,
    Path(id): Path<String>,
    Json(body): Json<MarkBody>,
) -> ApiResult<Json<DecidedBody>> {
    let r = exam.arbitrate(&id, &who.user, &body.code, body.score, &body.reason).await?;
    Ok(Json(DecidedBody { final_score: r.marking.final_score() }))
}

/// `POST /api/marking/batches/{id}/recheck {"code","score","reason"}`: a changed score needs a reason.
pub async fn recheck(
    State(exam): State<AppState>,
    who: Staff<Leaders>,
    Path(id): Path<String>,
    Json(body): Json<MarkBody>,
) -> ApiResult<Json<DecidedBody>> {
    let r = exam.recheck(&id, &who.user, &body.code, body.score, &body.reason).await?;
    Ok(Json(DecidedBody { final_score: r.marking.final_score() }))
}
