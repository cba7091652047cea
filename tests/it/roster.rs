//! Rosters as organisations write them: identity numbers checked at import
//! (every bad line named, in Chinese), other document types, tickets that
//! must be unique in the whole data directory.

use kaoshi_exam::identity::example_resident_id;
use std::path::Path;
use std::process::{Command, Output};

fn create(data: &Path, roster: &Path, key: &Path, id: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoshi"))
        .args(["batch", "create", "--data"])
        .arg(data)
        .args(["--bank"])
        .arg(super::sample("electrician-4"))
        .arg("--key-file")
        .arg(key)
        .arg("--roster")
        .arg(roster)
        .args(["--name", "名单测试", "--start", "2026-03-02T09:00:00+08:00", "--seed", "3", "--id", id])
        .output()
        .expect("run kaoshi")
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let key = tmp.path().join("org.key");
    let o = Command::new(env!("CARGO_BIN_EXE_kaoshi")).args(["keygen", "-o"]).arg(&key).output().expect("keygen");
    assert!(o.status.success());
    let data = tmp.path().join("data");
    (tmp, data, key)
}

#[test]
fn identity_numbers_are_checked_at_import_and_every_bad_line_is_named() {
    let (tmp, data, key) = setup();
    let x = (0..20).map(example_resident_id).find(|id| id.ends_with('X')).expect("an X");
    let good = example_resident_id(1);
    let mut bad_check = good.clone();
    let last = bad_check.pop().expect("digit");
    bad_check.push(if last == '0' { '1' } else { '0' });
    let roster = tmp.path().join("roster.csv");
    std::fs::write(
        &roster,
        format!(
            "ticket,id_number,name,organisation,room,seat,id_type\n\
             T1,{},甲,单位,第1考场,01,\n\
             T2,{bad_check},乙,单位,第1考场,02,居民身份证\n\
             T3,340104199013450011,丙,单位,第1考场,03,\n\
             T4,E12345678,丁,单位,第1考场,04,护照\n\
             T5,1234,戊,单位,第1考场,05,驾驶证\n",
            x.to_lowercase()
        ),
    )
    .expect("roster");
    let o = create(&data, &roster, &key, "b1");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("第 3 行") && err.contains("校验位"), "{err}");
    assert!(err.contains("第 4 行") && err.contains("出生日期"), "{err}");
    assert!(err.contains("第 6 行") && err.contains("驾驶证"), "{err}");
    assert!(!err.contains("第 2 行") && !err.contains("第 5 行"), "a lower-case x and a passport are fine: {err}");
    // Without the bad lines the roster imports, and the x is stored upper-case.
    let text = std::fs::read_to_string(&roster).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&roster, [lines[0], lines[1], lines[4]].join("\n") + "\n").expect("roster");
    let o = create(&data, &roster, &key, "b1");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let store = kaoshi_exam::store::Store::open(&data).expect("store");
    let kek: [u8; 32] = std::fs::read(&key).expect("key").try_into().expect("32 bytes");
    let kek = kaoshi_engine::seal::Kek::from_bytes(kek);
    store.unlock_personal(&kaoshi_engine::seal::Unlock::Key(&kek)).expect("the organisation's key");
    assert_eq!(store.seat("b1", "T1").expect("read").map(|s| s.id_number), Some(x));
    assert_eq!(store.seat("b1", "T4").expect("read").map(|s| s.id_type), Some("护照".to_string()));
}

#[test]
fn a_ticket_is_unique_in_the_whole_data_directory() {
    let (tmp, data, key) = setup();
    let roster = tmp.path().join("roster.csv");
    let write = |tickets: &[&str]| {
        let mut text = String::from("ticket,id_number,name,organisation,room,seat\n");
        for (i, t) in tickets.iter().enumerate() {
            text.push_str(&format!("{t},{},考生{i},单位,第1考场,{:02}\n", example_resident_id(i as u32 + 40), i + 1));
        }
        std::fs::write(&roster, text).expect("roster");
    };
    write(&["A1", "A2"]);
    assert!(create(&data, &roster, &key, "morning").status.success());
    write(&["B1", "A2", "B3"]);
    let o = create(&data, &roster, &key, "afternoon");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("第 3 行") && err.contains("A2") && err.contains("morning"), "{err}");
    let store = kaoshi_exam::store::Store::open(&data).expect("store");
    assert!(store.batch("afternoon").expect("read").is_none(), "nothing was created");
}
