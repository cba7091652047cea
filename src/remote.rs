//! The command line through a running server (`--server URL`): sled lets
//! one process hold a data directory, so while the server runs it does the
//! organisation's work and the command line asks it over its API.
//!
//! Sign-in: `KAOSHI_USER` and `KAOSHI_PASSWORD` from the environment, or the
//! token `kaoshi login --server URL` keeps in a file only its owner can read
//! (`KAOSHI_TOKEN_FILE`, default `~/.config/kaoshi/tokens.json`).

use anyhow::{anyhow, bail, Context, Result};
use kaoshi_exam::store::{Store, StoreError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file a running server leaves in its data directory: its URL.
pub const SERVER_FILE: &str = "server.json";

/// Opens a data directory's store; when a running server holds it, says to
/// use `--server` with that server's URL.
pub fn open_store(data: &Path) -> Result<Store> {
    match Store::open(data) {
        Ok(store) => Ok(store),
        Err(e @ StoreError::Open { .. }) => {
            let url = std::fs::read_to_string(data.join(SERVER_FILE))
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|v| v["url"].as_str().map(str::to_string));
            match url {
                Some(url) => bail!(
                    "{} is held by the running kaoshi server at {url}: give --server {url} instead of --data",
                    data.display()
                ),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// A signed-in connection to a running server.
pub struct Remote {
    base: String,
    token: String,
    agent: ureq::Agent,
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout_connect(Duration::from_secs(10)).timeout(Duration::from_secs(900)).build()
}

fn token_file() -> PathBuf {
    if let Some(p) = std::env::var_os("KAOSHI_TOKEN_FILE") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".config/kaoshi/tokens.json")
}

fn read_tokens() -> BTreeMap<String, String> {
    std::fs::read_to_string(token_file()).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

fn base_of(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

/// What a refused call says: `URL: 403 auth.wrong_role: 你没有…`.
fn refusal(url: &str, e: ureq::Error) -> anyhow::Error {
    match e {
        ureq::Error::Status(status, resp) => {
            let body: Value = resp.into_json().unwrap_or(Value::Null);
            let code = body["code"].as_str().unwrap_or("");
            let message = body["error"].as_str().unwrap_or("");
            anyhow!("{url}: {status} {code}: {message}")
        }
        ureq::Error::Transport(t) => anyhow!("{url}: cannot reach the server: {t}"),
    }
}

/// Signs in with a user name and password; returns the token.
fn sign_in(agent: &ureq::Agent, base: &str, user: &str, password: &str) -> Result<String> {
    let url = format!("{base}/api/staff/login");
    let body: Value = agent
        .post(&url)
        .send_json(serde_json::json!({"user": user, "password": password}))
        .map_err(|e| refusal(&url, e))?
        .into_json()
        .with_context(|| format!("{url}: the answer is not JSON"))?;
    body["token"].as_str().map(str::to_string).ok_or_else(|| anyhow!("{url}: no token in the answer"))
}

impl Remote {
    /// Signs in to the server at `url`: with `KAOSHI_USER`/`KAOSHI_PASSWORD`
    /// when set, else with the token `kaoshi login` kept.
    pub fn connect(url: &str) -> Result<Remote> {
        let (base, agent) = (base_of(url), agent());
        let token = match (std::env::var("KAOSHI_USER"), std::env::var("KAOSHI_PASSWORD")) {
            (Ok(user), Ok(password)) => sign_in(&agent, &base, &user, &password)?,
            _ => read_tokens().remove(&base).ok_or_else(|| {
                anyhow!(
                    "not signed in to {base}: set KAOSHI_USER and KAOSHI_PASSWORD, or run `kaoshi login --server {base}`"
                )
            })?,
        };
        Ok(Remote { base, token, agent })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn authorised(&self, req: ureq::Request) -> ureq::Request {
        req.set("Authorization", &format!("Bearer {}", self.token))
    }

    /// `GET path` as JSON.
    pub fn get(&self, path: &str) -> Result<Value> {
        let url = self.url(path);
        let resp = self.authorised(self.agent.get(&url)).call().map_err(|e| refusal(&url, e))?;
        resp.into_json().with_context(|| format!("{url}: the answer is not JSON"))
    }

    /// `GET path` as bytes (a file).
    pub fn download(&self, path: &str) -> Result<Vec<u8>> {
        let url = self.url(path);
        let resp = self.authorised(self.agent.get(&url)).call().map_err(|e| refusal(&url, e))?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).with_context(|| format!("{url}: reading"))?;
        Ok(bytes)
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let url = self.url(path);
        let resp = self.authorised(self.agent.post(&url)).send_json(body).map_err(|e| refusal(&url, e))?;
        resp.into_json().with_context(|| format!("{url}: the answer is not JSON"))
    }

    /// `POST path` with a file as the body.
    pub fn upload(&self, path: &str, bytes: &[u8]) -> Result<Value> {
        let url = self.url(path);
        let req = self.authorised(self.agent.post(&url)).set("Content-Type", "application/octet-stream");
        let resp = req.send_bytes(bytes).map_err(|e| refusal(&url, e))?;
        resp.into_json().with_context(|| format!("{url}: the answer is not JSON"))
    }
}

/// `kaoshi login --server URL`: signs in with `KAOSHI_USER` and
/// `KAOSHI_PASSWORD` (or `--user` and a password line on standard input)
/// and keeps the token for later commands.
pub fn login(url: &str, user: Option<&str>) -> Result<()> {
    let base = base_of(url);
    let user = match user {
        Some(u) => u.to_string(),
        None => std::env::var("KAOSHI_USER").map_err(|_| anyhow!("give --user or set KAOSHI_USER"))?,
    };
    let password = match std::env::var("KAOSHI_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password for {user} at {base}:");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("cannot read the password")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let token = sign_in(&agent(), &base, &user, &password)?;
    let mut tokens = read_tokens();
    tokens.insert(base.clone(), token);
    let file = token_file();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    kaoshi_exam::durable_file::write_atomic(&file, serde_json::to_string_pretty(&tokens)?.as_bytes())?;
    println!("signed in to {base} as {user}; the token is kept in {} (mode 0600)", file.display());
    Ok(())
}
