//! The `kaoshi` binary driven as a user would: exit codes, messages, files.

use std::path::Path;
use std::process::{Command, Output};

fn kaoshi(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(args).current_dir(dir).output().expect("run kaoshi")
}

fn kaoshi_env(args: &[&str], dir: &Path, env: (&str, &str)) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoshi"))
        .args(args)
        .current_dir(dir)
        .env(env.0, env.1)
        .output()
        .expect("run kaoshi")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: &Output) {
    assert!(o.status.success(), "kaoshi failed: {}\n{}", stderr(o), stdout(o));
}

/// The last stderr line is a single `error: …` and the exit code is non-zero.
#[track_caller]
fn fails_with(o: &Output, needle: &str) {
    assert!(!o.status.success(), "kaoshi should have failed: {}", stdout(o));
    let err = stderr(o);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: "), "last stderr line is not `error: …`: {err}");
    assert!(last.contains(needle), "`{last}` should mention `{needle}`");
}

fn sample_arg(name: &str) -> String {
    super::sample(name).display().to_string()
}

#[test]
fn keygen_writes_a_private_key_and_never_overwrites() {
    let tmp = tempfile::tempdir().expect("tmp");
    ok(&kaoshi(&["keygen", "-o", "k.key"], tmp.path()));
    let key = std::fs::read(tmp.path().join("k.key")).expect("key");
    assert_eq!(key.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmp.path().join("k.key")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    fails_with(&kaoshi(&["keygen", "-o", "k.key"], tmp.path()), "already exists");
    assert_eq!(std::fs::read(tmp.path().join("k.key")).expect("key"), key, "the key must be unchanged");
}

#[test]
fn check_accepts_the_sample_banks() {
    let tmp = tempfile::tempdir().expect("tmp");
    for name in ["electrician-4", "chinese-cook-5"] {
        let o = kaoshi(&["bank", "check", &sample_arg(name)], tmp.path());
        ok(&o);
        assert!(stdout(&o).starts_with(&format!("ok: {name} v1")), "{}", stdout(&o));
    }
}

#[test]
fn check_lists_every_problem_then_one_error_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("bad");
    std::fs::create_dir(&dir).expect("mkdir");
    let v = super::minimal::ITEMS.replacen(r#""answer":"C""#, r#""answer":"E""#, 1).replacen(
        r#""difficulty":5"#,
        r#""difficulty":9"#,
        1,
    );
    std::fs::write(dir.join("bank.toml"), super::minimal::BANK).expect("w");
    std::fs::write(dir.join("paper.toml"), super::minimal::PAPER).expect("w");
    std::fs::write(dir.join("items.jsonl"), v).expect("w");
    let o = kaoshi(&["bank", "check", "bad"], tmp.path());
    fails_with(&o, "bad: 2 problems found, bank refused");
    let err = stderr(&o);
    assert!(err.contains("bad: items.jsonl line 2, field `answer`: answer letter E is out of range"), "{err}");
    assert!(err.contains("bad: items.jsonl line 5, field `difficulty`"), "{err}");
}

#[test]
fn check_names_a_missing_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    fails_with(&kaoshi(&["bank", "check", "nowhere"], tmp.path()), "cannot read nowhere/bank.toml");
}

#[test]
fn seal_open_export_round_trip() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path();
    ok(&kaoshi(&["keygen", "-o", "k.key"], p));
    let src = sample_arg("electrician-4");
    let o = kaoshi(&["bank", "seal", &src, "-o", "e4.kbank", "--key-file", "k.key"], p);
    ok(&o);
    assert!(stdout(&o).contains("sealed electrician-4 v1"), "{}", stdout(&o));
    let o = kaoshi(&["bank", "open", "e4.kbank", "--key-file", "k.key", "--export", "out"], p);
    ok(&o);
    ok(&kaoshi(&["bank", "check", "out"], p));
    let original = super::parse_dir(&super::sample("electrician-4")).expect("original");
    let exported = super::parse_dir(&p.join("out")).expect("exported");
    assert_eq!(exported, original);
    // Export refuses to overwrite a bank.
    fails_with(
        &kaoshi(&["bank", "open", "e4.kbank", "--key-file", "k.key", "--export", "out"], p),
        "already holds a bank",
    );
}

#[test]
fn open_with_the_wrong_key_or_no_key() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path();
    ok(&kaoshi(&["keygen", "-o", "a.key"], p));
    ok(&kaoshi(&["keygen", "-o", "b.key"], p));
    ok(&kaoshi(&["bank", "seal", &sample_arg("chinese-cook-5"), "-o", "c.kbank", "--key-file", "a.key"], p));
    fails_with(
        &kaoshi(&["bank", "open", "c.kbank", "--key-file", "b.key"], p),
        "wrong key: the bank was sealed with key",
    );
    fails_with(&kaoshi(&["bank", "open", "c.kbank"], p), "give --key-file KEY or --passphrase-env VAR");
    std::fs::write(p.join("short.key"), b"0123").expect("w");
    fails_with(&kaoshi(&["bank", "open", "c.kbank", "--key-file", "short.key"], p), "expected 32 bytes");
}

#[test]
fn passphrase_seal_and_rekey_to_a_key_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path();
    let pass = ("KAOSHI_TEST_PASS", "长城 long passphrase 2026");
    ok(&kaoshi_env(
        &["bank", "seal", &sample_arg("chinese-cook-5"), "-o", "c.kbank", "--passphrase-env", "KAOSHI_TEST_PASS"],
        p,
        pass,
    ));
    ok(&kaoshi_env(&["bank", "open", "c.kbank", "--passphrase-env", "KAOSHI_TEST_PASS"], p, pass));
    fails_with(
        &kaoshi_env(
            &["bank", "open", "c.kbank", "--passphrase-env", "KAOSHI_TEST_PASS"],
            p,
            ("KAOSHI_TEST_PASS", "guess"),
        ),
        "wrong key",
    );
    ok(&kaoshi(&["keygen", "-o", "n.key"], p));
    ok(&kaoshi_env(
        &["bank", "rekey", "c.kbank", "--passphrase-env", "KAOSHI_TEST_PASS", "--new-key-file", "n.key"],
        p,
        pass,
    ));
    ok(&kaoshi(&["bank", "open", "c.kbank", "--key-file", "n.key"], p));
    fails_with(
        &kaoshi_env(&["bank", "open", "c.kbank", "--passphrase-env", "KAOSHI_TEST_PASS"], p, pass),
        "not a passphrase",
    );
}

#[test]
fn tampered_file_fails_with_a_plain_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path();
    ok(&kaoshi(&["keygen", "-o", "k.key"], p));
    ok(&kaoshi(&["bank", "seal", &sample_arg("chinese-cook-5"), "-o", "c.kbank", "--key-file", "k.key"], p));
    let mut bytes = std::fs::read(p.join("c.kbank")).expect("read");
    let n = bytes.len();
    bytes[n - 5] ^= 0x10;
    std::fs::write(p.join("c.kbank"), &bytes).expect("write");
    fails_with(&kaoshi(&["bank", "open", "c.kbank", "--key-file", "k.key"], p), "body has been tampered with");
    std::fs::write(p.join("c.kbank"), &bytes[..n / 2]).expect("write");
    fails_with(&kaoshi(&["bank", "open", "c.kbank", "--key-file", "k.key"], p), "file is truncated");
}

#[test]
fn synth_writes_a_bank_that_checks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path();
    ok(&kaoshi(&["bank", "synth", "-o", "s", "--items", "2000", "--modules", "8", "--seed", "5"], p));
    let o = kaoshi(&["bank", "check", "s"], p);
    ok(&o);
    assert!(stdout(&o).contains("8 modules"), "{}", stdout(&o));
    assert!(stdout(&o).contains("2000 items"), "{}", stdout(&o));
    ok(&kaoshi(&["bank", "synth", "-o", "t", "--items", "2000", "--modules", "8", "--seed", "5"], p));
    assert_eq!(std::fs::read(p.join("s/items.jsonl")).expect("s"), std::fs::read(p.join("t/items.jsonl")).expect("t"));
    fails_with(&kaoshi(&["bank", "synth", "-o", "u", "--items", "5"], p), "--items must be at least 200");
}

#[test]
fn assemble_writes_papers_jsonl_from_a_source_or_a_sealed_bank() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path();
    let src = sample_arg("electrician-4");
    let o = kaoshi(&["assemble", &src, "--count", "40", "--seed", "7", "-o", "papers.jsonl"], p);
    ok(&o);
    assert!(stdout(&o).contains("assembled 40 papers of 90 items from electrician-4"), "{}", stdout(&o));
    let text = std::fs::read_to_string(p.join("papers.jsonl")).expect("papers");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines.len(), 40);
    let first = &lines[0];
    assert_eq!(first["index"], 0);
    assert_eq!(first["bank"], "electrician-4");
    assert_eq!(first["seed"], 7);
    assert_eq!(first["bank_hash"].as_str().map(str::len), Some(64));
    let items = first["items"].as_array().expect("items");
    assert_eq!(items.len(), 90);
    assert_eq!(items[0]["section"], 0);
    assert!(items[0].get("option_order").is_none(), "judge items have no option order");
    assert_eq!(items[30]["option_order"].as_array().map(Vec::len), Some(4), "{}", items[30]);

    // The same from the sealed bank, and the same seed gives the same papers.
    ok(&kaoshi(&["keygen", "-o", "k.key"], p));
    ok(&kaoshi(&["bank", "seal", &src, "-o", "e4.kbank", "--key-file", "k.key"], p));
    ok(&kaoshi(
        &["assemble", "e4.kbank", "--key-file", "k.key", "--count", "40", "--seed", "7", "-o", "again.jsonl"],
        p,
    ));
    assert_eq!(std::fs::read_to_string(p.join("again.jsonl")).expect("again"), text);
}

#[test]
fn assemble_refuses_an_unsatisfiable_spec_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path();
    let spec = super::sample("electrician-4").join("paper.toml").display().to_string();
    let o = kaoshi(
        &["assemble", &sample_arg("chinese-cook-5"), "--spec", &spec, "--count", "5", "--seed", "1", "-o", "x.jsonl"],
        p,
    );
    fails_with(&o, "type multiple: a paper needs 10 items, the bank has 0 active");
    assert!(!p.join("x.jsonl").exists());
}

#[test]
fn the_calendar_counts_working_days_by_the_holiday_notices() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let o = kaoshi(&["calendar", "add-workdays", "2026-12-12", "5"], d);
    ok(&o);
    assert_eq!(stdout(&o), "2026-12-18\n", "the issue's example: a Saturday plus five working days");
    let o = kaoshi(&["calendar", "add-workdays", "2026-09-30", "1"], d);
    ok(&o);
    assert_eq!(stdout(&o), "2026-10-08\n", "the National Day holiday is the 1st to the 7th; the 8th is a Thursday");
    for (date, says) in [
        ("2026-10-10", "2026-10-10 工作日（国庆节调休上班）\n"),
        ("2026-10-02", "2026-10-02 非工作日（国庆节）\n"),
        ("2026-12-12", "2026-12-12 非工作日（周六）\n"),
        ("2026-12-14", "2026-12-14 工作日\n"),
    ] {
        let o = kaoshi(&["calendar", "is-workday", date], d);
        ok(&o);
        assert_eq!(stdout(&o), says);
    }
    // A provisional year warns; a year without a file is an error that says what to do.
    let o = kaoshi(&["calendar", "is-workday", "2027-03-01"], d);
    ok(&o);
    assert!(stderr(&o).contains("2027 年只有法定节假日"), "{}", stderr(&o));
    let o = kaoshi(&["calendar", "add-workdays", "2028-03-01", "1"], d);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("没有 2028 年的节假日安排"), "{}", stderr(&o));
    let o = kaoshi(&["calendar", "is-workday", "2026-13-01"], d);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("日期“2026-13-01”无效"), "{}", stderr(&o));
    // The organisation adds a year in its data directory; a bad file is named.
    let cal = d.join("data").join("calendar");
    std::fs::create_dir_all(&cal).expect("dir");
    std::fs::write(
        cal.join("2028.toml"),
        "year = 2028\nsource = \"本机构按通知整理\"\nstatus = \"official\"\n[[holiday]]\nname = \"劳动节\"\nfrom = \"2028-05-01\"\nto = \"2028-05-05\"\n",
    )
    .expect("write");
    let o = kaoshi(&["calendar", "add-workdays", "2028-04-28", "1", "--data", "data"], d);
    ok(&o);
    assert_eq!(stdout(&o), "2028-05-08\n");
    std::fs::write(cal.join("2029.toml"), "year = 2029\n").expect("write");
    let o = kaoshi(&["calendar", "is-workday", "2028-05-02", "--data", "data"], d);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("2029.toml：格式错误"), "{}", stderr(&o));
}

#[test]
fn a_batch_inside_the_filing_lead_time_is_refused_in_strict_mode_and_logged_otherwise() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let data = d.join("data");
    // A data directory with one batch (the support helper's), then batches starting in one hour.
    let (_, key) = super::serve::quick_batch(d, &data, 1, 600);
    let roster = d.join("r.csv");
    let id = kaoshi_exam::identity::example_resident_id(77);
    std::fs::write(&roster, format!("ticket,id_number,name,organisation,room,seat\nS1,{id},甲,单位,1,01\n"))
        .expect("roster");
    let start = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let bank = super::root().join("question-banks/electrician-4");
    let create = |batch: &str, extra: &[&str]| {
        let mut args =
            vec!["batch", "create", "--data", data.to_str().expect("p"), "--bank", bank.to_str().expect("p")];
        args.extend([
            "--key-file",
            key.to_str().expect("p"),
            "--roster",
            roster.to_str().expect("p"),
            "--name",
            "计划",
        ]);
        args.extend(["--start", &start, "--seed", "3", "--id", batch]);
        args.extend(extra);
        kaoshi(&args, d)
    };
    // Not strict (a new data directory): created, warned, logged.
    let o = create("soon", &[]);
    ok(&o);
    assert!(
        stderr(&o).contains("warning: 认定计划须在开考前 5 个工作日备案") && stderr(&o).contains("最早可于"),
        "{}",
        stderr(&o)
    );
    let o = kaoshi(&["log", "ledger", "--data", data.to_str().expect("p")], d);
    ok(&o);
    assert!(stdout(&o).contains("认定计划须在开考前 5 个工作日备案"), "the warning is on the log: {}", stdout(&o));

    // Strict: refused, naming the earliest date; a drill still passes with a warning.
    std::fs::write(data.join("organisation.toml"), "strict = true\nfiling_lead_workdays = 10\n").expect("settings");
    std::fs::write(
        &roster,
        format!(
            "ticket,id_number,name,organisation,room,seat\nS2,{},乙,单位,1,01\n",
            kaoshi_exam::identity::example_resident_id(78)
        ),
    )
    .expect("roster");
    let o = create("refused", &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("严格模式下不能创建")
            && stderr(&o).contains("10 个工作日")
            && stderr(&o).contains("最早可于"),
        "{}",
        stderr(&o)
    );
    let o = create("drill", &["--drill"]);
    ok(&o);
    assert!(stderr(&o).contains("warning: 认定计划须在开考前 10 个工作日备案"), "{}", stderr(&o));
    // The rooms register: a room it does not have is refused by line (strict) — a drill still warns.
    std::fs::write(data.join("rooms.toml"), "[[room]]\nsite = \"合肥考点\"\nname = \"2\"\nseats = 30\n")
        .expect("rooms");
    let third = kaoshi_exam::identity::example_resident_id(79);
    std::fs::write(&roster, format!("ticket,id_number,name,organisation,room,seat\nS3,{third},丙,单位,1,01\n"))
        .expect("roster");
    let o = create("drill2", &["--drill"]);
    ok(&o);
    assert!(stderr(&o).contains("warning: 名单第 2 行：考场“1”不在考点考场登记（rooms.toml）中"), "{}", stderr(&o));
    // The staff register: the plan's people are checked (`--proctors`, `--markers`, `--supervisors`).
    std::fs::write(
        data.join("personnel.toml"),
        "[[person]]\nname = \"李监考\"\nuser = \"p1\"\nduties = [\"proctor\"]\ncertificate = \"JK-1\"\nvalid_until = \"2099-12-31\"\n",
    )
    .expect("personnel");
    let fourth = kaoshi_exam::identity::example_resident_id(80);
    std::fs::write(&roster, format!("ticket,id_number,name,organisation,room,seat\nS4,{fourth},丁,单位,2,01\n"))
        .expect("roster");
    let o = create("drill3", &["--drill", "--proctors", "p1", "--markers", "m9", "--supervisors", "p1"]);
    ok(&o);
    let err = stderr(&o);
    assert!(err.contains("warning: m9 不在人员登记（personnel.toml）中，不能安排为考评员"), "{err}");
    assert!(err.contains("warning: 李监考（p1） 未登记为质量督导员"), "{err}");
    assert!(!err.contains("李监考（p1） 未登记为监考员"), "p1 is a registered proctor: {err}");
    assert!(err.contains("warning: 计划安排的考评员 m9 没有工作人员账号"), "the plan names accounts: {err}");
    assert!(err.contains("warning: p1 的账号角色是监考员，不能安排为质量督导员"), "{err}");
    std::fs::write(data.join("organisation.toml"), "strict = yes\n").expect("settings");
    let o = create("bad-settings", &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("organisation.toml：格式错误"), "{}", stderr(&o));
}
