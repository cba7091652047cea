//! `kaoshi serve`: the exam server over the data directory.

use crate::keys::{KeyArgs, Secret};
use anyhow::{anyhow, Context, Result};
use kaoshi_exam::clock::SystemClock;
use kaoshi_exam::Exam;
use kaoshi_http::gate::Caps;
use kaoshi_http::serve::Options;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `kaoshi serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Data directory (the embedded store).
    #[arg(long, env = "KAOSHI_DATA", default_value = "./data")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "KAOSHI_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Create (once) and serve a demo batch of 30 candidates.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    key: KeyArgs,
    /// PEM certificate chain for HTTPS (see `kaoshi tls init`).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The organisation's signing key: archives the server exports are signed.
    #[arg(long, value_name = "FILE")]
    signing_key: Option<PathBuf>,
    /// Where every checkpoint of the event chain is also appended, outside
    /// the store (default: DATA-checkpoints.jsonl beside the data directory;
    /// point it at another disk or a share).
    #[arg(long, env = "KAOSHI_WITNESS", value_name = "FILE")]
    witness: Option<PathBuf>,
    /// dlib's face models (shape_predictor_5_face_landmarks.dat and
    /// dlib_face_recognition_resnet_model_v1.dat) for automatic face matching
    /// (default: DATA/face-models when it exists; without models, photos are
    /// compared by eye).
    #[arg(long, env = "KAOSHI_FACE_MODELS", value_name = "DIR")]
    face_models: Option<PathBuf>,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KAOSHI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// `kaoshi serve [--data DIR] [--addr ADDR] [--demo] [--key-file KEY | --passphrase-env VAR]`.
pub fn run(args: ServeArgs) -> Result<()> {
    init_tracing();
    let ServeArgs { data, addr, demo, key, tls_cert, tls_key, signing_key, witness, face_models } = args;
    let face = load_face_models(face_models, &data)?;
    let signer = signing_key.as_deref().map(crate::keys::read_signing_key).transpose()?;
    let witness = witness.unwrap_or_else(|| default_witness(&data));
    let witness = kaoshi_exam::witness::Witness::new(&witness)
        .with_context(|| format!("--witness {}: cannot open it for appending", witness.display()))?;
    let addr: SocketAddr = addr.parse().map_err(|e| anyhow!("--addr `{addr}`: {e}"))?;
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some(tls_config(&cert, &key)?),
        _ => None,
    };
    let caps = Caps::for_descriptors(raise_descriptor_limit());
    let mut store = crate::remote::open_store(&data)?;
    let clock = Arc::new(SystemClock::new());
    let demo_key = if demo { Some(crate::demo::ensure(&data, &store, clock.as_ref())?) } else { None };
    let secret: Option<Secret> = match demo_key {
        Some(k) if key.key_file.is_none() && key.passphrase_env.is_none() => Some(Secret::Key(k)),
        _ => key.load()?,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        store.start_committer();
        let mut exam = Exam::load(store, clock, secret.as_ref().map(Secret::unlock).as_ref())?.with_witness(witness);
        if let Some(secret) = secret {
            // Banks uploaded while the server runs open with it.
            exam = exam.with_key(secret);
        }
        if let Some(key) = signer {
            exam = exam.with_signing_key(key);
        }
        if let Some(models) = face {
            exam = exam.with_face(models);
        }
        let paused = exam.recover_after_restart()?;
        let exam = Arc::new(exam);
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("kaoshi serving on {scheme}://{local}");
        // A command given `--data` for this directory is told where the server is.
        let server_file = data.join(crate::remote::SERVER_FILE);
        let url = serde_json::json!({"url": format!("{scheme}://{local}"), "pid": std::process::id()});
        if let Err(e) = kaoshi_exam::durable_file::write_atomic(&server_file, url.to_string().as_bytes()) {
            eprintln!("warning: cannot write {}: {e}", server_file.display());
        }
        if tls.is_none() && !local.ip().is_loopback() {
            println!(
                "warning: plain HTTP on {local}: answers and passwords cross the exam LAN unencrypted; \
                 serve with --tls-cert/--tls-key (see `kaoshi tls init`)"
            );
        }
        if paused > 0 {
            println!("{paused} seats were answering when the server stopped: they are paused; a proctor resumes them");
        }
        if demo {
            print_demo(&data, scheme, local);
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let store = exam.store().clone();
        let options = Options { caps, tls, header_read_timeout: kaoshi_http::serve::HEADER_READ_TIMEOUT };
        kaoshi_http::serve::serve_with(listener, exam.clone(), options, kaoshi_http::serve::shutdown_signal()).await?;
        // The last head leaves the store too, so a rewrite after the stop is caught.
        match exam.take_checkpoint() {
            Ok(Some(c)) => println!("checkpoint at stop: event {} {}", c.seq, c.hash),
            Ok(None) => {}
            Err(e) => eprintln!("cannot take a checkpoint at stop: {e}"),
        }
        let _ = std::fs::remove_file(&server_file);
        let (barriers, acknowledged) = store.commit_counts();
        println!(
            "stopped: {barriers} durability barriers (sled flush + fdatasync) acknowledged {acknowledged} commits ({:.1} per barrier)",
            acknowledged as f64 / barriers.max(1) as f64
        );
        Ok(())
    })
}

/// The face models: from `--face-models` (which must load), or from
/// DATA/face-models when it exists. Where matching runs is said on stderr
/// (stdout's first line stays the address).
fn load_face_models(given: Option<PathBuf>, data: &Path) -> Result<Option<Arc<kaoshi_face::Models>>> {
    let (dir, explicit) = match given {
        Some(dir) => (dir, true),
        None => (data.join("face-models"), false),
    };
    if !explicit && !dir.exists() {
        eprintln!("face matching: off (no models in {}; see the README); photos are compared by eye", dir.display());
        return Ok(None);
    }
    // Half the cores match faces at most, so that saves keep the rest.
    let engines = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1));
    match kaoshi_face::Models::open(&dir, engines) {
        Ok(models) => {
            eprintln!("face matching: on ({}, {engines} engine(s))", dir.display());
            Ok(Some(Arc::new(models)))
        }
        Err(kaoshi_face::FaceError::Unavailable) if !explicit => {
            eprintln!("face matching: off (this kaoshi was built without dlib); photos are compared by eye");
            Ok(None)
        }
        Err(e) => Err(anyhow!("--face-models {}: {e}", dir.display())),
    }
}

/// `DATA-checkpoints.jsonl` beside the data directory.
fn default_witness(data: &Path) -> PathBuf {
    let name = data.file_name().map_or_else(|| "data".into(), |n| n.to_string_lossy().into_owned());
    data.with_file_name(format!("{name}-checkpoints.jsonl"))
}

/// Raises the soft limit on open files to the hard limit where allowed;
/// returns the limit in force.
fn raise_descriptor_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("warning: cannot read or raise the open-file limit ({e}): assuming 1024");
            1024
        }
    }
}

fn tls_config(cert: &Path, key: &Path) -> Result<kaoshi_http::tls::Config> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
    let (cert_pem, key_pem) = (read(cert)?, read(key)?);
    kaoshi_http::tls::server_config(&cert_pem, &key_pem)
        .with_context(|| format!("--tls-cert {} / --tls-key {}", cert.display(), key.display()))
}

fn print_demo(data: &Path, scheme: &str, addr: SocketAddr) {
    let path = data.join("demo.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return };
    let Ok(demo) = serde_json::from_str::<serde_json::Value>(&text) else { return };
    println!(
        "demo batch `{}`: 30 candidates in 第1考场; credentials in {}",
        kaoshi_exam::demo::DEMO_BATCH,
        path.display()
    );
    println!("  seat page:       {scheme}://{addr}/seat");
    println!("  proctor console: {scheme}://{addr}/proctor");
    for s in demo["staff"].as_array().into_iter().flatten() {
        println!(
            "  staff   {} / {} ({})",
            s["user"].as_str().unwrap_or(""),
            s["password"].as_str().unwrap_or(""),
            s["role"].as_str().unwrap_or("")
        );
    }
    for c in demo["candidates"].as_array().into_iter().flatten().take(3) {
        println!(
            "  candidate ticket {} / id number {}",
            c["ticket"].as_str().unwrap_or(""),
            c["id_number"].as_str().unwrap_or("")
        );
    }
}
