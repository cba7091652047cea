//! `--face-storm N`: N candidates log in at the same second while the other
//! seats save, each consents and sends a capture from its camera; how long
//! until every capture has a verdict on the proctor's list, and what the
//! verdicts were. Their enrolment photos are uploaded first, one by one,
//! through the admin API.

use crate::client::{call, HttpClient};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::json;
use std::time::{Duration, Instant};

/// The storm's seats: tickets after the `seats` that save.
pub fn ticket(seats: usize, k: usize) -> (String, u32) {
    let i = seats + k;
    (format!("L{i:06}"), i as u32)
}

async fn bytes_call(client: &HttpClient, method: &str, url: &str, token: &str, body: Vec<u8>) -> Option<u16> {
    let req = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "image/jpeg")
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body)))
        .ok()?;
    let resp = client.request(req).await.ok()?;
    let status = resp.status().as_u16();
    let _ = resp.into_body().collect().await;
    Some(status)
}

/// Enrols `photo` for the storm's seats; returns how long it took.
pub async fn enrol(client: &HttpClient, base: &str, seats: usize, n: usize, photo: &[u8]) -> anyhow::Result<Duration> {
    let body = json!({"user": "load-admin", "password": "load-password"});
    let (code, login, _) = call(client, "POST", &format!("{base}/api/staff/login"), None, Some(body)).await?;
    anyhow::ensure!(code == 200, "admin login failed: {login}");
    let admin = login["token"].as_str().unwrap_or_default().to_string();
    let started = Instant::now();
    for k in 0..n {
        let (ticket, _) = ticket(seats, k);
        let url = format!("{base}/api/admin/batches/load/seats/{ticket}/photo");
        let status = bytes_call(client, "PUT", &url, &admin, photo.to_vec()).await;
        anyhow::ensure!(status == Some(200), "enrolment photo for {ticket}: status {status:?}");
    }
    Ok(started.elapsed())
}

/// What the storm needs.
pub struct Storm {
    /// One client per room (its own address).
    pub rooms: Vec<HttpClient>,
    /// The proctor's client.
    pub client: HttpClient,
    pub base: String,
    /// The proctor's token.
    pub staff: String,
    /// Seats that save (the storm's tickets come after them).
    pub seats: usize,
    /// Candidates in the storm.
    pub n: usize,
    /// What their cameras send.
    pub capture: Vec<u8>,
    /// How long into autosave it begins.
    pub delay: Duration,
}

/// The storm: (verdicts, ms until the last verdict, counts by verdict).
pub async fn storm(s: Storm) -> (usize, usize, String) {
    let Storm { rooms, client, base, staff, seats, n, capture, delay } = s;
    tokio::time::sleep(delay).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|k| {
            let (client, base, capture) = (rooms[k % rooms.len()].clone(), base.clone(), capture.clone());
            tokio::spawn(async move {
                let (ticket, i) = ticket(seats, k);
                let id = kaoshi_exam::identity::example_resident_id(i);
                let body = json!({"ticket": ticket, "id_number": id});
                let Ok((200, login, _)) =
                    call(&client, "POST", &format!("{base}/api/seat/login"), None, Some(body)).await
                else {
                    return false;
                };
                let token = login["token"].as_str().unwrap_or_default().to_string();
                let consent = json!({"consent": true});
                if !matches!(
                    call(&client, "POST", &format!("{base}/api/seat/face"), Some(&token), Some(consent)).await,
                    Ok((200, _, _))
                ) {
                    return false;
                }
                let url = format!("{base}/api/seat/capture?why=login");
                bytes_call(&client, "POST", &url, &token, capture).await == Some(200)
            })
        })
        .collect();
    let mut sent = 0;
    for t in tasks {
        sent += usize::from(t.await.unwrap_or(false));
    }
    // Poll the proctor's list until every storm seat has its verdict (2 min at most).
    let wanted: std::collections::HashSet<String> = (0..n).map(|k| ticket(seats, k).0).collect();
    let deadline = started + Duration::from_secs(120);
    loop {
        if let Ok((200, list, _)) =
            call(&client, "GET", &format!("{base}/api/proctor/batches/load/seats"), Some(&staff), None).await
        {
            let done: Vec<&serde_json::Value> = list
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|s| s["ticket"].as_str().is_some_and(|t| wanted.contains(t)))
                        .filter(|s| s["face"]["captures"].as_u64().unwrap_or(0) > 0 && s["face"]["pending"] == false)
                        .collect()
                })
                .unwrap_or_default();
            if done.len() >= sent || Instant::now() > deadline {
                let mut by: std::collections::BTreeMap<String, usize> = Default::default();
                for s in &done {
                    let v = s["face"]["verdict"].as_str().or(s["face"]["problem"].as_str()).unwrap_or("?");
                    *by.entry(v.to_string()).or_default() += 1;
                }
                let counts = by.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
                return (done.len(), started.elapsed().as_millis() as usize, format!("{sent} captures sent; {counts}"));
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
