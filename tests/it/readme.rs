//! The README's first command, run as written in the repository root: it
//! builds the release binary, starts the demo server and prints the logins.
//! `KAOSHI_DATA` and `KAOSHI_ADDR` (documented beside the command) keep the
//! run out of `./data` and off port 8080.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The commands of the README's first code block, comments stripped.
fn first_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(super::root().join("README.md")).expect("README");
    let block = readme.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("a first ```sh block");
    block.lines().map(|l| l.split('#').next().unwrap_or("").trim().to_string()).filter(|l| !l.is_empty()).collect()
}

#[test]
fn the_readme_opens_with_the_main_job_and_the_tests() {
    assert_eq!(first_commands(), ["cargo run --release -- serve --demo", "bash .ci/run"]);
    let run = std::fs::read_to_string(super::root().join(".ci/run")).expect(".ci/run");
    assert!(run.contains("cargo test --workspace"), ".ci/run runs the tests");
}

#[test]
fn the_readmes_first_command_starts_the_demo() {
    let command = first_commands().remove(0);
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let mut child = Command::new("sh")
        .args(["-c", &command])
        .current_dir(super::root())
        .env("KAOSHI_DATA", &data)
        .env("KAOSHI_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("sh");
    let group = child.id();
    let stop = || {
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{group}")]).status();
    };
    let mut stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The release build comes first: allow it the time a fresh machine needs.
    let mut printed = Vec::new();
    let base = loop {
        match rx.recv_timeout(Duration::from_secs(1800)) {
            Ok(line) => {
                printed.push(line.clone());
                if let Some(base) = line.strip_prefix("kaoshi serving on ") {
                    break base.to_string();
                }
            }
            Err(_) => {
                stop();
                let _ = child.wait();
                panic!("`{command}` never served: {printed:?}\n{}", errors.join().unwrap_or_default());
            }
        }
    };
    while !printed.iter().any(|l| l.contains("candidate ticket")) {
        printed.push(rx.recv_timeout(Duration::from_secs(10)).expect("the demo logins are printed"));
    }
    let page = ureq::get(&format!("{base}/seat")).call().map(|r| r.into_string().unwrap_or_default());
    let demo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("demo.json")).unwrap_or_default()).unwrap_or_default();
    stop();
    // SIGTERM: requests under way get a grace period, then the server exits
    // even with this test's keep-alive connection still open.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while child.try_wait().ok().flatten().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{group}")]).status();
            let _ = child.wait();
            panic!("the demo server was still running 15 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(page.is_ok_and(|p| p.contains("考生登录")), "the seat page is served");
    assert_eq!(demo["candidates"].as_array().map(Vec::len), Some(30), "{demo}");
    let out = printed.join("\n");
    assert!(out.contains("proctor console:") && out.contains("candidate ticket"), "{out}");
}
