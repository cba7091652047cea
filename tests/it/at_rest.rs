//! Data at rest: what someone holding a copy of the data directory, an
//! export or an archive can and cannot read.

use std::process::Command;

fn kaoshi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(args).output().expect("run kaoshi")
}

/// Every directory kaoshi makes is 0700 and every file 0600 — a data
/// directory made by an older kaoshi with 0755 is tightened when opened.
#[cfg(unix)]
#[test]
fn the_data_directory_and_everything_kaoshi_writes_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (_, key) = super::serve::quick_batch(tmp.path(), &data, 2, 600);
    let archive = tmp.path().join("quick.kar");
    let out = kaoshi(&[
        "archive",
        "export",
        "--data",
        data.to_str().expect("p"),
        "--batch",
        "quick",
        "-o",
        archive.to_str().expect("p"),
        "--key-file",
        key.to_str().expect("p"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut open_to_others = Vec::new();
    let mut stack = vec![data.clone()];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        let mode = std::fs::metadata(&dir).expect("dir").permissions().mode() & 0o777;
        if mode != 0o700 {
            open_to_others.push(format!("{} {mode:o}", dir.display()));
        }
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
                let mode = std::fs::metadata(&path).expect("file").permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    open_to_others.push(format!("{} {mode:o}", path.display()));
                }
            }
        }
    }
    for f in [archive, tmp.path().join("org.key")] {
        let mode = std::fs::metadata(&f).expect("file").permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            open_to_others.push(format!("{} {mode:o}", f.display()));
        }
    }
    assert!(files >= 2, "the store wrote only {files} files");
    assert!(open_to_others.is_empty(), "readable by others: {open_to_others:?}");
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Identity numbers are stored encrypted under a data key wrapped by the
/// organisation's key: no file of the data directory holds one, after a
/// batch was created and candidates logged in and answered; reading them
/// back (the archive) needs the key, and a wrong key is named.
#[test]
fn identity_numbers_are_encrypted_at_rest_and_need_the_organisations_key() {
    use super::support::{seat_login, Server};
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (people, key) = super::serve::quick_batch(tmp.path(), &data, 3, 600);
    let key = key.to_str().expect("p").to_string();
    let server = Server::start(&data, &["--key-file", &key]);
    for (ticket, id) in &people {
        let (token, body) = seat_login(&server.base, ticket, id);
        assert!(!token.is_empty(), "{body}");
    }
    server.terminate(std::time::Duration::from_secs(10));

    let files = files_under(&data);
    assert!(files.len() >= 2, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        for (_, id) in &people {
            assert!(
                !bytes.windows(id.len()).any(|w| w == id.as_bytes()),
                "{} holds the identity number {id} in plaintext",
                f.display()
            );
        }
    }

    let d = data.to_str().expect("p");
    let archive = tmp.path().join("quick.kar");
    let a = archive.to_str().expect("p");
    let out = kaoshi(&["archive", "export", "--data", d, "--batch", "quick", "-o", a]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("encrypted") && err.contains("--key-file"), "{err}");
    let other = tmp.path().join("other.key");
    assert!(kaoshi(&["keygen", "-o", other.to_str().expect("p")]).status.success());
    let out = kaoshi(&[
        "archive",
        "export",
        "--data",
        d,
        "--batch",
        "quick",
        "-o",
        a,
        "--key-file",
        other.to_str().expect("p"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("encrypted under key"), "a wrong key is named: {err}");
    let out = kaoshi(&["archive", "export", "--data", d, "--batch", "quick", "-o", a, "--key-file", &key]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&archive).expect("archive");
    for (_, id) in &people {
        assert!(text.contains(id.as_str()), "the archive, for the bureau, carries the identity numbers");
    }
}
