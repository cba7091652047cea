//! The command line through a running server (`--server URL`): with the
//! server holding the data directory, `--data` names the server to use, and
//! every organisation command works over the API without stopping anyone.

use super::support::{add_staff, quick_batch, seat_login, Server};
use std::path::Path;
use std::process::Command;

fn kaoshi(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaoshi"));
    cmd.args(args).env_remove("KAOSHI_USER").env_remove("KAOSHI_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run kaoshi");
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn organisation_commands_go_through_a_running_server() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = quick_batch(tmp.path(), &data, 2, 3600);
    add_staff(&data, "boss", "admin", "boss-pass-1", None);
    let server = Server::start(&data, &["--key-file", p(&key)]);
    let url = server.base.clone();
    let tokens = tmp.path().join("tokens.json");
    let admin = [("KAOSHI_USER", "boss"), ("KAOSHI_PASSWORD", "boss-pass-1"), ("KAOSHI_TOKEN_FILE", p(&tokens))];

    // A candidate of the running batch is answering throughout.
    let (ticket, id) = &people[0];
    let (seat, _) = seat_login(&url, ticket, id);
    assert!(!seat.is_empty());

    let roster = tmp.path().join("pm.csv");
    let mut text = String::from("ticket,id_number,name,organisation,room,seat\n");
    for i in 0..3u32 {
        text.push_str(&format!(
            "P{i:04},{},下午考生{i},单位,第2考场,{:02}\n",
            kaoshi_exam::identity::example_resident_id(100 + i),
            i + 1
        ));
    }
    std::fs::write(&roster, text).expect("roster");
    let bank = super::sample("chinese-cook-5");
    let create = |target: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["batch", "create"];
        args.extend_from_slice(target);
        args.extend_from_slice(&[
            "--bank",
            p(&bank),
            "--key-file",
            p(&key),
            "--roster",
            p(&roster),
            "--name",
            "下午批次",
            "--start",
            "2026-01-01T14:00:00+08:00",
            "--seed",
            "9",
            "--id",
            "pm",
        ]);
        kaoshi(&args, env)
    };
    // --data for a directory the server holds names the server.
    let (ok, out) = create(&["--data", p(&data)], &[]);
    assert!(!ok && out.contains(&format!("give --server {url}")), "{out}");
    // Not signed in.
    let (ok, out) = create(&["--server", &url], &[("KAOSHI_TOKEN_FILE", p(&tokens))]);
    assert!(!ok && out.contains("not signed in") && out.contains("kaoshi login"), "{out}");
    let (ok, out) = create(&["--server", &url], &[("KAOSHI_USER", "p1"), ("KAOSHI_PASSWORD", "proctor-pass-1")]);
    assert!(!ok && out.contains("403"), "a proctor creates no batch: {out}");
    let (ok, out) = create(&["--server", &url], &admin);
    assert!(ok && out.contains("created batch pm (下午批次): 3 candidates"), "{out}");
    let (token, body) = seat_login(&url, "P0001", &kaoshi_exam::identity::example_resident_id(101));
    assert!(
        !token.is_empty() && body["status"] == "awaiting_identity",
        "the new batch's candidate logs in at once: {body}"
    );

    // kaoshi login keeps a token (0600) that later commands use without a password.
    let (ok, out) = kaoshi(&["login", "--server", &url], &admin);
    assert!(ok && out.contains("signed in"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&tokens).expect("token file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token file is its owner's alone");
    }
    let with_token = [("KAOSHI_TOKEN_FILE", p(&tokens)), ("MARKER_PW", "marker-pass-1")];
    let (ok, out) = kaoshi(
        &["staff", "add", "--server", &url, "--user", "m9", "--role", "marker", "--password-env", "MARKER_PW"],
        &with_token,
    );
    assert!(ok && out.contains("added marker m9"), "{out}");
    let (ok, out) = kaoshi(&["log", "head", "--server", &url], &with_token);
    assert!(ok && out.contains("\"hash\""), "{out}");
    let head: serde_json::Value = serde_json::from_str(out.trim()).expect("a checkpoint");
    let head = head["hash"].as_str().expect("hash").to_string();
    let (ok, out) = kaoshi(&["log", "verify", "--server", &url, "--head", &head], &with_token);
    assert!(ok && out.contains("event log intact") && out.contains("is on the chain"), "{out}");
    let (ok, out) = kaoshi(&["log", "verify", "--server", &url, "--head", &"ab".repeat(32)], &with_token);
    assert!(!ok && out.contains("rewritten"), "{out}");
    let (ok, out) = kaoshi(&["log", "ledger", "--server", &url], &with_token);
    assert!(ok && out.contains("batch_create") && out.contains("pm"), "{out}");
    let (ok, out) = kaoshi(&["log", "checkpoints", "--server", &url], &with_token);
    assert!(ok && out.contains(&head), "{out}");
    let archive = tmp.path().join("quick.kar");
    let (ok, out) =
        kaoshi(&["archive", "export", "--server", &url, "--batch", "quick", "-o", p(&archive)], &with_token);
    assert!(ok && out.contains("archived batch quick"), "{out}");
    let (ok, out) = kaoshi(&["archive", "verify", p(&archive), "--key-file", p(&key), "--head", &head], &[]);
    assert!(ok && out.contains("intact"), "{out}");

    // The first batch's candidate is where they were: nothing paused or logged them out.
    let (code, status) = super::support::call("GET", &format!("{url}/api/seat/status"), Some(&seat), None);
    assert_eq!((code, status["status"].as_str()), (200, Some("awaiting_identity")), "{status}");
    drop(server);
}
