//! `kaoshi bank import` and `kaoshi bank export` driven as a user would:
//! messages, exit codes, the written directory, the report and the package.

use super::{interop_fixtures, TEMPLATE};
use std::path::Path;

fn kaoshi(args: &[&str], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(args).current_dir(dir).output().expect("run kaoshi")
}

#[test]
fn cli_import_writes_a_checked_bank_and_a_report() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("bank.csv"), encoding_rs::GB18030.encode(TEMPLATE).0).expect("csv");
    let out = kaoshi(
        &["bank", "import", "--from", "csv", "bank.csv", "-o", "my-bank", "--report", "report.json"],
        tmp.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("skipped bank.csv line 9: 题型 `填空题` has no kaoshi type"), "{stdout}");
    assert!(
        stdout.contains(
            "imported 7 items (judge 2, single 3, multiple 2, short 0) from bank.csv into my-bank; 6 skipped"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("bank.toml is a draft"), "{stdout}");
    let check = kaoshi(&["bank", "check", "my-bank"], tmp.path());
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("report.json")).expect("report")).expect("json");
    assert_eq!(report["imported"]["multiple"], 2);
    assert_eq!(report["skipped"].as_array().map(Vec::len), Some(6));
    assert_eq!(report["skipped"][2]["at"]["line"], 9);
    assert_eq!(report["bank"], "my-bank");
    assert_eq!(report["drafted_blueprint"], true);

    // The same bank out as QTI and back: identical files.
    let out = kaoshi(&["bank", "export", "my-bank", "--to", "qti", "-o", "my-bank.zip"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = kaoshi(&["bank", "import", "--from", "qti", "my-bank.zip", "-o", "again"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["bank.toml", "items.jsonl"] {
        let a = std::fs::read(tmp.path().join("my-bank").join(f)).expect("a");
        let b = std::fs::read(tmp.path().join("again").join(f)).expect("b");
        assert!(a == b, "{f} differs after import → export → import");
    }
    // An unpacked package directory reads the same way.
    let out = kaoshi(&["bank", "export", "again", "--to", "qti", "-o", "pkg"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(tmp.path().join("pkg/imsmanifest.xml").exists());
    let out = kaoshi(&["bank", "import", "--from", "qti", "pkg/imsmanifest.xml", "-o", "third"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn cli_import_onto_a_blueprint_takes_its_paper_spec() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("bank.csv"), TEMPLATE).expect("csv");
    let blueprint = super::sample("electrician-4").join("bank.toml").display().to_string();
    let out = kaoshi(
        &["bank", "import", "--from", "csv", "bank.csv", "-o", "e4", "--blueprint", &blueprint, "--point", "B01"],
        tmp.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("using the paper spec"), "{stdout}");
    assert!(stdout.contains("skipped bank.csv line 13: evaluation point `Z99` is not in the blueprint"), "{stdout}");
    assert!(!stdout.contains("bank.toml is a draft"), "{stdout}");
    let spec = |p: std::path::PathBuf| {
        kaoshi_engine::bank::parse_spec_file(&std::fs::read_to_string(p).expect("paper.toml")).expect("valid spec")
    };
    assert_eq!(spec(tmp.path().join("e4/paper.toml")), spec(super::sample("electrician-4").join("paper.toml")));
    let check = kaoshi(&["bank", "check", "e4"], tmp.path());
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn cli_import_refuses_with_reasons() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fails = |args: &[&str], needle: &str| {
        let out = kaoshi(args, tmp.path());
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(err.contains(needle), "{args:?}: `{err}` should mention `{needle}`");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    fails(
        &["bank", "import", "--from", "docx", "x", "-o", "o"],
        "unknown format `docx` (expected one of: xlsx, csv, qti, moodle-xml, gift)",
    );
    let order = interop_fixtures().join("qti-2.1/order.xml");
    let stdout =
        fails(&["bank", "import", "--from", "qti", &order.display().to_string(), "-o", "o"], "nothing imported");
    assert!(stdout.contains("orderInteraction"), "the reason is printed: {stdout}");
    assert!(!tmp.path().join("o").exists(), "nothing written");
    std::fs::write(tmp.path().join("b.csv"), TEMPLATE).expect("csv");
    std::fs::write(tmp.path().join("bad.toml"), "id = \"x\"\nweight = [\n").expect("toml");
    fails(&["bank", "import", "--from", "csv", "b.csv", "-o", "o", "--blueprint", "bad.toml"], "bank.toml line");
    fails(&["bank", "import", "--from", "xlsx", "b.csv", "-o", "o"], "(it is text: use --from csv)");
    let workbook = super::root().join("tests/fixtures/interop/xlsx/template-openpyxl.xlsx").display().to_string();
    fails(
        &["bank", "import", "--from", "csv", &workbook, "-o", "o"],
        "is a workbook (xlsx/xls/ods), not CSV text: use --from xlsx",
    );
    let stdout = fails(
        &["bank", "import", "--from", "csv", "b.csv", "-o", "o", "--strict"],
        "6 entries of b.csv could not be imported (reasons above); nothing written (--strict)",
    );
    assert!(stdout.contains("skipped b.csv line 9"), "{stdout}");
    assert!(!tmp.path().join("o").exists(), "--strict writes nothing");
    let sample = super::sample("electrician-4").display().to_string();
    fails(&["bank", "import", "--from", "csv", "b.csv", "-o", &sample], "already holds a bank");
    let stdout = fails(&["bank", "import", "--from", "moodle-xml", "b.csv", "-o", "o"], "nothing imported from b.csv");
    assert!(stdout.starts_with("skipped b.csv line 1: "), "{stdout}");
}
