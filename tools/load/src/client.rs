//! The load tool's HTTP client: connections from a chosen loopback address,
//! JSON calls timed end to end.

use anyhow::Result;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::time::{Duration, Instant};

pub type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// A client whose connections come from `local`.
pub fn client_from(local: std::net::IpAddr) -> HttpClient {
    let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
    connector.set_local_address(Some(local));
    connector.set_nodelay(true);
    // The server closes a connection idle for 10 s; the pool lets go first,
    // as a browser that sees the close would.
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(usize::MAX)
        .pool_idle_timeout(Duration::from_secs(5))
        .build(connector)
}

pub async fn call(
    client: &HttpClient,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<(u16, Value, Duration)> {
    let mut req = hyper::Request::builder().method(method).uri(url).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    let started = Instant::now();
    let resp = client.request(req.body(Full::new(body))?).await?;
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await?.to_bytes();
    let elapsed = started.elapsed();
    Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), elapsed))
}
