//! Marking of short answers: markers see an anonymous code, the stem, the
//! response, the reference answer and the rubric — never the candidate or
//! another mark; the group leader arbitrates and rechecks.

use crate::auth::{Leaders, Markers, Staff};
use crate::error::{ApiResult, Body};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use kaoshi_engine::bank::ItemBody;
use kaoshi_engine::marking::Stage;
use kaoshi_exam::batch::LoadedBatch;
use kaoshi_exam::service::{LeaderList, Task, Waiting};
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
    available: usize,
    mine: usize,
    done: usize,
    total: usize,
}

/// `GET /api/marking/batches/{id}/next`: the response assigned to this
/// marker (the same one until it is marked or the assignment lapses), or
/// `{"task": null}`, with how many wait and how many this marker may take.
pub async fn next(
    State(exam): State<AppState>,
    who: Staff<Markers>,
    Path(id): Path<String>,
) -> ApiResult<Json<NextBody>> {
    let batch = exam.batch(&id)?;
    let next = exam.next_for_marker(&id, &who.user)?;
    Ok(Json(NextBody {
        task: next.task.map(|t| TaskBody::of(&batch, t, false)),
        waiting: next.waiting,
        available: next.available,
        mine: next.mine,
        done: next.done,
        total: next.total,
    }))
}

/// Mark, arbitration and recheck body.
#[derive(Deserialize)]
pub struct MarkBody {
    code: String,
    score: f64,
    #[serde(default)]
    reason: String,
    /// Per-point scores of the rubric, in rubric order (optional).
    #[serde(default)]
    points: Option<Vec<f64>>,
}

/// A mark taken — nothing about other marks or the resulting score.
#[derive(Serialize)]
pub struct MarkedBody {
    taken: bool,
}

/// `POST /api/marking/batches/{id}/marks {"code","score","points"?}`: only
/// the response assigned to this marker.
pub async fn mark(
    State(exam): State<AppState>,
    who: Staff<Markers>,
    Path(id): Path<String>,
    Body(body): Body<MarkBody>,
) -> ApiResult<Json<MarkedBody>> {
    exam.mark(&id, &who.user, &body.code, body.score, body.points.as_deref()).await?;
    Ok(Json(MarkedBody { taken: true }))
}

fn leader_list(exam: &AppState, id: &str, user: &str, list: LeaderList) -> ApiResult<Json<Vec<TaskBody>>> {
    let batch = exam.batch(id)?;
    Ok(Json(exam.leader_list(id, user, list)?.into_iter().map(|t| TaskBody::of(&batch, t, true)).collect()))
}

/// `GET /api/marking/batches/{id}/arbitrations`: responses waiting for this leader.
pub async fn arbitrations(
    State(exam): State<AppState>,
    who: Staff<Leaders>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TaskBody>>> {
    leader_list(&exam, &id, &who.user, LeaderList::Arbitrations)
}

/// `GET /api/marking/batches/{id}/recheck`: every arbitrated response, the
/// sample, and appeals — those this leader may recheck.
pub async fn recheck_queue(
    State(exam): State<AppState>,
    who: Staff<Leaders>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TaskBody>>> {
    leader_list(&exam, &id, &who.user, LeaderList::Recheck)
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
    Body(body): Body<MarkBody>,
) -> ApiResult<Json<DecidedBody>> {
    let r = exam.arbitrate(&id, &who.user, &body.code, body.score, &body.reason).await?;
    Ok(Json(DecidedBody { final_score: r.marking.final_score() }))
}

/// `POST /api/marking/batches/{id}/recheck {"code","score","reason"}`:
/// confirming keeps the score; a changed score is in 0.5 steps with a reason.
pub async fn recheck(
    State(exam): State<AppState>,
    who: Staff<Leaders>,
    Path(id): Path<String>,
    Body(body): Body<MarkBody>,
) -> ApiResult<Json<DecidedBody>> {
    let r = exam.recheck(&id, &who.user, &body.code, body.score, &body.reason).await?;
    Ok(Json(DecidedBody { final_score: r.marking.final_score() }))
}

/// `GET /api/marking/batches/{id}/waiting` (leader, admin): every response
/// still waiting for marks, whom it could go to and why it waits.
pub async fn waiting(
    State(exam): State<AppState>,
    _: Staff<Leaders>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Waiting>>> {
    Ok(Json(exam.waiting(&id)?))
}

/// Assign body.
#[derive(Deserialize)]
pub struct AssignBody {
    code: String,
    marker: String,
}

/// Assignment taken.
#[derive(Serialize)]
pub struct AssignedBody {
    assigned: bool,
}

/// `POST /api/marking/batches/{id}/assign {"code","marker"}` (leader, admin).
pub async fn assign(
    State(exam): State<AppState>,
    who: Staff<Leaders>,
    Path(id): Path<String>,
    Body(body): Body<AssignBody>,
) -> ApiResult<Json<AssignedBody>> {
    exam.assign(&id, &who.user, &body.code, &body.marker).await?;
    Ok(Json(AssignedBody { assigned: true }))
}
