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
    super::serve::quick_batch(tmp.path(), &data, 2, 600);
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
