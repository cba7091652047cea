//! Import from other tools' files and export as QTI 3.0: real fixtures
//! (QTI examples published with the standard, files written by Moodle),
//! spreadsheets in the usual Chinese template, and round trips.

use kaoshi_engine::bank::{ItemBody, ItemType, Status};
use kaoshi_engine::BankSource;
use kaoshi_interop::{build, qti_export, read, Format, Harvest, Imported, Input, Options};
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Files written by other tools, committed with their origin and licence
/// (tests/fixtures/interop/README.md).
fn fixtures() -> PathBuf {
    super::root().join("tests/fixtures/interop")
}

fn read_file(format: Format, path: &Path) -> Harvest {
    let bytes = std::fs::read(path).expect("fixture");
    read(format, &Input::File { name: path.file_name().expect("name").to_string_lossy().into_owned(), bytes })
        .expect("readable")
}

fn options() -> Options {
    Options { bank_id: "imported".into(), source_name: "test".into(), ..Options::default() }
}

fn built(h: Harvest) -> Imported {
    build(h, &options()).expect("bank")
}

fn reasons(h: &Harvest) -> Vec<String> {
    h.skipped.iter().map(|s| format!("{}: {}", s.location, s.reason)).collect()
}

fn notes(h: &Harvest) -> Vec<String> {
    h.notes.iter().map(|n| n.message.clone()).collect()
}

#[test]
fn qti21_examples_map_or_are_reported_with_reasons() {
    let dir = fixtures().join("qti-2.1");
    let one = |name: &str| read_file(Format::Qti, &dir.join(name));

    let h = one("choice.xml");
    assert!(h.skipped.is_empty(), "{:?}", reasons(&h));
    let d = &h.drafts[0];
    assert_eq!(d.source_id.as_deref(), Some("choice"));
    assert_eq!(d.stem, "Look at the text in the picture.\n[图: NEVER LEAVE LUGGAGE UNATTENDED]\nWhat does it say?");
    let ItemBody::Single { options, answer } = &d.body else { panic!("single expected: {:?}", d.body) };
    assert_eq!((options.len(), *answer), (3, 0));
    assert_eq!(options[0], "You must stay with your luggage at all times.");
    assert!(notes(&h).iter().any(|n| n.contains("image images/sign.png is not carried")), "{:?}", notes(&h));

    let h = one("choice_fixed.xml");
    assert!(matches!(&h.drafts[0].body, ItemBody::Single { options, answer: 0 } if options.len() == 4));
    assert!(notes(&h).iter().any(|n| n.contains("ChoiceD are fixed in place")), "{:?}", notes(&h));

    let h = one("choice_multiple.xml");
    let ItemBody::Multiple { options, answer } = &h.drafts[0].body else { panic!("multiple expected") };
    assert_eq!(options, &["Hydrogen", "Helium", "Carbon", "Oxygen", "Nitrogen", "Chlorine"]);
    assert_eq!(*answer, 0b1001, "H and O");
    assert!(notes(&h).iter().any(|n| n.contains("score mapping is not carried")));

    let h = one("choice_multiple_chocolade.xml");
    assert!(h.drafts.is_empty());
    assert_eq!(h.skipped.len(), 1);
    assert!(
        h.skipped[0].reason.contains("no correctResponse") && h.skipped[0].reason.contains("custom responseProcessing")
    );
    assert_eq!(h.skipped[0].location.label.as_deref(), Some("choiceMultiple"));

    let h = one("extended_text.xml");
    let ItemBody::Short { max_score, rubric, .. } = &h.drafts[0].body else { panic!("short expected") };
    assert_eq!((*max_score, rubric.len()), (10.0, 1));
    assert!(h.drafts[0].stem.contains("Write Sam a postcard."));
    assert!(h.drafts[0].stem.contains("Where do you go in the evenings?"), "object fallback text is the stem");
    assert!(notes(&h).iter().any(|n| n.contains("no reference answer")));

    let h = one("extended_text_rubric.xml");
    let ItemBody::Short { max_score, reference, .. } = &h.drafts[0].body else { panic!("short expected") };
    assert_eq!(*max_score, 3.0, "`Max Score: 3.0 points` in the scorer rubric");
    assert!(reference.contains("-1 for each missing"));
    assert!(!h.drafts[0].stem.contains("Scoring Guidelines"), "the scorer rubric is not shown to candidates");

    for (name, interaction) in [("order.xml", "orderInteraction"), ("text_entry.xml", "textEntryInteraction")] {
        let h = one(name);
        assert!(h.drafts.is_empty(), "{name}");
        assert_eq!(h.skipped.len(), 1, "{name}");
        assert!(h.skipped[0].reason.contains(interaction), "{name}: {}", h.skipped[0].reason);
        assert_eq!(h.skipped[0].location.line, Some(2), "{name}: the line of <assessmentItem>");
    }
}

#[test]
fn qti30_examples_read_through_the_same_path() {
    let dir = fixtures().join("qti-3.0");
    for (n, who) in [(1, "Tom"), (2, "Grace"), (3, "Bob")] {
        let h = read_file(Format::Qti, &dir.join(format!("aqti_tmh_sample_{n}.xml")));
        assert!(h.skipped.is_empty(), "{:?}", reasons(&h));
        let d = &h.drafts[0];
        assert_eq!(d.source_id.as_deref(), Some(format!("aqti_tmh_sample_{n}").as_str()));
        assert!(d.stem.starts_with(&format!("{who} walks to and from")), "{}", d.stem);
        assert!(
            d.stem.ends_with("How many kilometres will he walk in a year for his harmonica lessons?")
                || d.stem.ends_with("How many kilometres will she walk in a year for her harmonica lessons?")
        );
        assert!(!d.stem.contains("rectangular instrument"), "catalog cards are not part of the stem");
        assert_eq!(
            d.body,
            ItemBody::Single { options: vec!["About 200".into(), "About 100".into(), "About 50".into()], answer: 0 }
        );
    }
}

/// A content package as a QTI 2.1 authoring tool writes it: a manifest
/// listing item resources (and a test, and a resource whose file is missing).
fn foreign_package() -> Vec<u8> {
    let dir = fixtures().join("qti-2.1");
    let names = ["choice.xml", "choice_multiple.xml", "order.xml", "extended_text_rubric.xml"];
    let mut resources = String::new();
    for (i, n) in names.iter().enumerate() {
        resources.push_str(&format!(
            "<resource identifier=\"r{i}\" type=\"imsqti_item_xmlv2p1\" href=\"items/{n}\"><file href=\"items/{n}\"/></resource>\n"
        ));
    }
    resources.push_str("<resource identifier=\"t1\" type=\"imsqti_test_xmlv2p1\" href=\"test.xml\"><file href=\"test.xml\"/></resource>\n");
    resources.push_str("<resource identifier=\"gone\" type=\"imsqti_item_xmlv2p1\" href=\"items/missing.xml\"/>\n");
    resources.push_str("<resource identifier=\"img\" type=\"webcontent\" href=\"images/sign.png\"><file href=\"images/sign.png\"/></resource>\n");
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"http://www.imsglobal.org/xsd/imscp_v1p1\" identifier=\"pkg\">\n<organizations/>\n<resources>\n{resources}</resources>\n</manifest>\n"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("imsmanifest.xml", opts).expect("zip");
    zip.write_all(manifest.as_bytes()).expect("zip");
    for n in names {
        zip.start_file(format!("items/{n}"), opts).expect("zip");
        zip.write_all(&std::fs::read(dir.join(n)).expect("fixture")).expect("zip");
    }
    zip.start_file("images/sign.png", opts).expect("zip");
    zip.write_all(b"\x89PNG").expect("zip");
    zip.finish().expect("zip").into_inner()
}

#[test]
fn qti_content_package_reads_its_manifest() {
    let bytes = foreign_package();
    let h = read(Format::Qti, &Input::File { name: "pkg.zip".into(), bytes }).expect("package");
    assert_eq!(h.drafts.len(), 3, "{:?}", reasons(&h));
    let r = reasons(&h);
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(
        r.iter().any(|s| s.contains("pkg.zip/items/order.xml line 2 (order)") && s.contains("orderInteraction")),
        "{r:?}"
    );
    assert!(r.iter().any(|s| s.contains("(gone)") && s.contains("items/missing.xml` is not in the package")), "{r:?}");
    assert!(notes(&h).iter().any(|n| n.contains("assessment test not imported")));
    let types: Vec<ItemType> = h.drafts.iter().map(|d| d.item_type()).collect();
    assert_eq!(types, [ItemType::Single, ItemType::Multiple, ItemType::Short]);
}

#[test]
fn moodle_xml_written_by_moodle() {
    let dir = fixtures().join("moodle");
    let h = read(
        Format::MoodleXml,
        &Input::Dir {
            name: "moodle".into(),
            files: ["nested_categories_with_questions.xml", "categories_reverse_order.xml", "multichoice.xml"]
                .iter()
                .map(|n| (n.to_string(), std::fs::read(dir.join(n)).expect("fixture")))
                .collect(),
        },
    )
    .expect("moodle");
    let r = reasons(&h);
    assert_eq!(r, ["moodle/categories_reverse_order.xml line 51 (Sigma Question): short answer (typed text matched against accepted answers) has no kaoshi item type"]);
    let by_stem = |s: &str| h.drafts.iter().find(|d| d.stem == s).unwrap_or_else(|| panic!("no `{s}`"));
    let iota = by_stem("Testing Iota Question");
    assert_eq!(
        (iota.body.clone(), iota.point.as_deref(), iota.module.as_deref()),
        (ItemBody::Judge { answer: true }, Some("Iota"), Some("Iota"))
    );
    let lambda = by_stem("Testing Lambda Question");
    assert_eq!((lambda.point.as_deref(), lambda.module.as_deref()), (Some("Lambda"), Some("Kappa")));
    let essay = by_stem("Testing Kappa Essay Question");
    assert!(
        matches!(essay.body, ItemBody::Short { max_score, .. } if max_score == 1.0),
        "defaultgrade is the highest mark"
    );
    let greeting = by_stem("Listen to this greeting:\nWhat language is being spoken?");
    let ItemBody::Single { options, answer } = &greeting.body else { panic!("single expected") };
    assert_eq!((options[1].as_str(), *answer), ("[图: French flag] French", 1));
    let n = notes(&h);
    assert!(n.iter().any(|m| m.contains("file @@PLUGINFILE@@/bonjour.mp3 is not carried")), "{n:?}");
    let imported = built(h);
    assert_eq!(
        imported.counts(),
        [(ItemType::Judge, 4), (ItemType::Single, 1), (ItemType::Multiple, 0), (ItemType::Short, 2)]
    );
    assert_eq!(imported.skipped.len(), 1, "the one unmappable question is still reported after building");
}

#[test]
fn gift_written_for_moodle() {
    let h = read_file(Format::Gift, &fixtures().join("gift/examples.txt"));
    assert_eq!((h.drafts.len(), h.skipped.len()), (23, 20), "{:?}", reasons(&h));
    let kinds = |needle: &str| h.skipped.iter().filter(|s| s.reason.contains(needle)).count();
    assert_eq!((kinds("numerical"), kinds("matching"), kinds("short answer")), (8, 3, 9));
    let stem = |s: &str| {
        h.drafts
            .iter()
            .find(|d| d.stem == s)
            .unwrap_or_else(|| panic!("no `{s}` in {:?}", h.drafts.iter().map(|d| &d.stem).collect::<Vec<_>>()))
    };
    assert!(matches!(stem("Grant is ____ in Grant's tomb.").body, ItemBody::Single { answer: 1, .. }));
    assert_eq!(stem("The sun rises in the east.").body, ItemBody::Judge { answer: true });
    let control = stem("Which of the following is NOT a control character for the GIFT import format?");
    assert_eq!(
        control.body,
        ItemBody::Single { options: ["~", "=", "#", "{", "}", "\\"].map(String::from).to_vec(), answer: 5 }
    );
    let two = stem("What two people are entombed in Grant's tomb?");
    assert_eq!(
        two.body,
        ItemBody::Multiple {
            options: ["No one", "Grant", "Grant's wife", "Grant's father"].map(String::from).to_vec(),
            answer: 0b0110
        }
    );
    let imported = built(h.clone());
    let repeats = imported.notes.iter().filter(|n| n.message.starts_with("same question as")).count();
    assert_eq!(repeats, 10, "examples.txt repeats Grant's tomb questions: {:?}", imported.notes);
    let first = &h.skipped[0];
    assert_eq!((first.location.line, first.reason.contains("short answer")), (Some(14), true));

    let h = read_file(Format::Gift, &fixtures().join("gift/questions.gift.txt"));
    let labels: Vec<_> = h.drafts.iter().map(|d| d.location.label.clone().unwrap_or_default()).collect();
    assert_eq!(labels, ["Q8", "Q2", "colours", "Q1", "2-08 TSL", "2-08 TSL"]);
    assert!(matches!(h.drafts[0].body, ItemBody::Short { .. }));
    assert!(matches!(h.drafts[2].body, ItemBody::Multiple { answer: 0b0101, .. }));
    assert_eq!(h.drafts[3].body, ItemBody::Judge { answer: false });
    assert_eq!(reasons(&h).len(), 3);
}

/// The usual 题库导入模板 with every convention and a few broken rows
/// (tests/fixtures/interop/template.csv).
pub const TEMPLATE: &str = include_str!("../../../tests/fixtures/interop/template.csv");

fn template_reasons(h: &Harvest) -> Vec<(usize, String)> {
    h.skipped.iter().map(|s| (s.location.line.unwrap_or(0), s.reason.clone())).collect()
}

#[test]
fn spreadsheet_template_in_utf8_and_gbk() {
    let utf8 = format!("\u{feff}{TEMPLATE}").into_bytes();
    let gbk = encoding_rs::GB18030.encode(TEMPLATE).0.into_owned();
    assert!(std::str::from_utf8(&gbk).is_err(), "the GBK bytes are not UTF-8");
    for (name, bytes) in [("bank.csv", utf8), ("bank-gbk.csv", gbk)] {
        let h = read(Format::Csv, &Input::File { name: name.into(), bytes }).expect("csv");
        let r = template_reasons(&h);
        assert_eq!(r.len(), 6, "{name}: {r:?}");
        assert_eq!(r[0], (1, "row above the header row (题干, 答案) was not read".to_string()));
        assert!(r[1].0 == 8 && r[1].1.contains("answer `E` names option E, but the item has 2 options"), "{r:?}");
        assert!(r[2].0 == 9 && r[2].1.contains("题型 `填空题` has no kaoshi type"), "{r:?}");
        assert_eq!(r[3], (10, "题干 is empty".to_string()));
        assert_eq!(r[4], (11, "选项B is empty but 选项C is not".to_string()));
        assert!(r[5].0 == 12 && r[5].1.contains("`也许`"), "{r:?}");
        let d = &h.drafts;
        assert_eq!(d.len(), 7);
        assert_eq!((d[0].body.clone(), d[0].difficulty), (ItemBody::Judge { answer: true }, Some(1)));
        assert_eq!((d[1].body.clone(), d[1].difficulty), (ItemBody::Judge { answer: false }, Some(2)));
        assert!(matches!(d[2].body, ItemBody::Single { answer: 3, .. }));
        assert!(matches!(d[3].body, ItemBody::Multiple { answer: 0b1011, .. }), "\"A,B,D\"");
        assert!(matches!(d[4].body, ItemBody::Multiple { answer: 0b0111, .. }), "ABC");
        assert_eq!(d[4].difficulty, Some(4));
        assert!(notes(&h).iter().any(|n| n.contains("`解析`")), "ignored column is reported: {:?}", notes(&h));
        let gbk_note = notes(&h).iter().any(|n| n.contains("GB18030"));
        assert_eq!(gbk_note, name == "bank-gbk.csv");
    }
}

#[test]
fn blueprint_places_items_by_point_code_or_name() {
    let blueprint = std::fs::read_to_string(super::sample("electrician-4").join("bank.toml")).expect("bank.toml");
    let h = || {
        read(Format::Csv, &Input::File { name: "bank.csv".into(), bytes: TEMPLATE.as_bytes().to_vec() }).expect("csv")
    };
    let with = |point: Option<&str>| {
        build(h(), &Options { blueprint: Some(blueprint.clone()), default_point: point.map(String::from), ..options() })
    };
    let imported = with(None).expect("bank");
    assert_eq!(imported.source.bank.meta.id, "electrician-4");
    assert!(!imported.drafted_blueprint);
    let points: Vec<&str> = imported.source.bank.items.iter().map(|i| i.point.as_str()).collect();
    assert_eq!(points, ["A01"; 5], "A01 by code, 职业道德基本知识 by name");
    let tail: Vec<(usize, String)> =
        template_reasons(&imported.skipped.iter().fold(Harvest::default(), |mut acc, s| {
            acc.skipped.push(s.clone());
            acc
        }));
    assert!(
        tail.iter().any(|(l, r)| *l == 13 && r.contains("evaluation point `Z99` is not in the blueprint")),
        "{tail:?}"
    );
    assert!(tail.iter().any(|(l, r)| *l == 14 && r.contains("give one with --point")), "{tail:?}");

    let imported = with(Some("B01")).expect("bank");
    assert_eq!(imported.source.bank.items.last().map(|i| i.point.as_str()), Some("B01"));
    assert!(matches!(with(Some("nope")), Err(kaoshi_interop::BuildError::UnknownDefaultPoint(_))));
    let broken = build(h(), &Options { blueprint: Some("id = 3\n".into()), ..options() });
    assert!(
        matches!(&broken, Err(kaoshi_interop::BuildError::Blueprint(e)) if e.to_string().contains("bank.toml line 1")),
        "{broken:?}"
    );
}

#[test]
fn workbook_sheets_written_by_another_tool() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let notes_sheet = book.add_worksheet();
    notes_sheet.set_name("填写说明").expect("name");
    notes_sheet.write_string(0, 0, "请按模板填写，每行一题").expect("write");
    let sheet = book.add_worksheet();
    sheet.set_name("题库").expect("name");
    for (c, h) in ["题型", "题干", "选项A", "选项B", "选项C", "答案", "难度", "鉴定点", "模块"].iter().enumerate()
    {
        sheet.write_string(2, c as u16, *h).expect("write");
    }
    let rows: [[&str; 9]; 2] = [
        ["单选", "变压器的主要作用是（ ）。", "变换电压", "储存电能", "产生电能", "A", "", "C01", "电工基础"],
        ["多选", "三相交流电的优点有（ ）。", "输电经济", "电机结构简单", "只能单相使用", "AB", "", "C02", "电工基础"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if c == 6 {
                sheet.write_number(3 + r as u32, 6, 3.0).expect("write");
            } else {
                sheet.write_string(3 + r as u32, c as u16, *v).expect("write");
            }
        }
    }
    sheet.write_string(4, 10, "写在表头之外").expect("write");
    let judge = book.add_worksheet();
    judge.set_name("判断题").expect("name");
    for (c, h) in ["题干", "答案"].iter().enumerate() {
        judge.write_string(0, c as u16, *h).expect("write");
    }
    judge.write_string(1, 0, "电流的单位是安培。").expect("write");
    judge.write_string(1, 1, "对").expect("write");
    judge.write_string(2, 0, "电阻的单位是伏特。").expect("write");
    judge.write_string(2, 1, "×").expect("write");
    let bytes = book.save_to_buffer().expect("xlsx");

    let h = read(Format::Xlsx, &Input::File { name: "bank.xlsx".into(), bytes }).expect("workbook");
    let r = reasons(&h);
    assert_eq!(
        r,
        ["bank.xlsx[填写说明] line 1: no header row with 题干 and 答案 columns: no row of this sheet was read"]
    );
    assert_eq!(h.drafts.len(), 4);
    assert_eq!(
        (h.drafts[0].location.to_string(), h.drafts[0].difficulty),
        ("bank.xlsx[题库] line 4".to_string(), Some(3))
    );
    assert_eq!(h.drafts[1].module.as_deref(), Some("电工基础"));
    assert_eq!(h.drafts[2].body, ItemBody::Judge { answer: true }, "the sheet name gives the type");
    assert_eq!(h.drafts[3].body, ItemBody::Judge { answer: false });
    assert!(
        notes(&h).contains(&"column K has no header but holds data in 1 row(s); it was not read".to_string()),
        "{:?}",
        notes(&h)
    );
    let imported = built(h);
    let module = &imported.source.bank.modules;
    assert_eq!(module.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["电工基础", "导入"]);
    assert_eq!(module.iter().map(|m| m.weight).sum::<f64>(), 100.0);
}

/// import → export (QTI 3.0 package) → import gives the same bank.
#[track_caller]
fn assert_round_trip(source: &BankSource) {
    let bytes = qti_export::package_zip(source).expect("zip");
    assert_eq!(bytes, qti_export::package_zip(source).expect("zip"), "export is deterministic");
    let h = read(Format::Qti, &Input::File { name: "pkg.zip".into(), bytes }).expect("package");
    assert!(h.skipped.is_empty() && h.notes.is_empty(), "{:?} {:?}", reasons(&h), notes(&h));
    let again = build(h, &options()).expect("bank");
    // Only repeated questions are worth a note on a bank kaoshi wrote itself.
    assert!(again.notes.iter().all(|n| n.message.starts_with("same question as")), "{:?}", again.notes);
    assert_eq!(&again.source, source);
}

#[test]
fn round_trips_through_qti_keep_every_bank() {
    for name in ["electrician-4", "chinese-cook-5"] {
        assert_round_trip(&super::parse_dir(&super::sample(name)).expect("sample"));
    }
    let csv =
        read(Format::Csv, &Input::File { name: "bank.csv".into(), bytes: TEMPLATE.as_bytes().to_vec() }).expect("csv");
    assert_round_trip(&built(csv).source);
    let qti = fixtures().join("qti-2.1");
    let files = std::fs::read_dir(&qti).expect("dir").map(|e| e.expect("entry").path());
    let mut all = Harvest::default();
    for path in files {
        all.absorb(read_file(Format::Qti, &path));
    }
    assert_round_trip(&built(all).source);
    assert_round_trip(&built(read_file(Format::Gift, &fixtures().join("gift/examples.txt"))).source);
    assert_round_trip(
        &built(read_file(Format::MoodleXml, &fixtures().join("moodle/nested_categories_with_questions.xml"))).source,
    );
}

/// What import makes of a bank's texts: stems and references keep their lines
/// (whitespace collapsed), options and rubric points become one line.
fn normalized(mut source: BankSource) -> BankSource {
    use kaoshi_interop::text::{normalize, normalize_line};
    for item in &mut source.bank.items {
        item.stem = normalize(&item.stem);
        match &mut item.body {
            ItemBody::Single { options, .. } | ItemBody::Multiple { options, .. } => {
                options.iter_mut().for_each(|o| *o = normalize_line(o))
            }
            ItemBody::Short { reference, rubric, .. } => {
                *reference = normalize(reference);
                rubric.iter_mut().for_each(|p| p.point = normalize_line(&p.point));
            }
            ItemBody::Judge { .. } => {}
        }
    }
    source
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn qti_package_round_trip_keeps_any_bank(source in super::arb::source(10)) {
        prop_assume!(!source.bank.items.is_empty());
        let expected = normalized(source);
        let bytes = qti_export::package_zip(&expected).expect("zip");
        let h = read(Format::Qti, &Input::File { name: "p.zip".into(), bytes }).expect("package");
        prop_assert!(h.skipped.is_empty(), "{:?}", reasons(&h));
        let again = build(h, &options()).expect("bank");
        prop_assert_eq!(again.source, expected);
    }
}

#[test]
fn retired_items_and_enemy_groups_survive_export() {
    let mut source = super::parse_dir(&super::sample("chinese-cook-5")).expect("sample");
    source.bank.items[0].status = Status::Retired;
    source.bank.items[1].enemy_group = Some("G 1 & <2>".into());
    assert_round_trip(&source);
}

/// What a spreadsheet row became: stem, body, difficulty, point.
type RowItem = (String, ItemBody, Option<u8>, Option<String>);

#[test]
fn workbooks_written_by_libreoffice_and_openpyxl() {
    let dir = fixtures().join("xlsx");
    let mut seen: Vec<Vec<RowItem>> = Vec::new();
    for name in
        ["template-libreoffice.xlsx", "template-libreoffice.ods", "template-libreoffice.xls", "template-openpyxl.xlsx"]
    {
        let h = read_file(Format::Xlsx, &dir.join(name));
        let r = template_reasons(&h);
        assert_eq!(r.len(), 3, "{name}: {r:?}");
        assert_eq!(r[0].0, 1, "{name}: the title row");
        assert!(r[1].0 == 10 && r[1].1.contains("题型 `计算题` has no kaoshi type"), "{name}: {r:?}");
        assert!(r[2].0 == 11 && r[2].1.contains("names option C, but the item has 2 options"), "{name}: {r:?}");
        assert!(notes(&h).iter().any(|n| n.contains("`序号`, `解析`")), "{name}: {:?}", notes(&h));
        let items: Vec<_> = h
            .drafts
            .iter()
            .filter(|d| d.location.file.ends_with("[题库]"))
            .map(|d| (d.stem.clone(), d.body.clone(), d.difficulty, d.point.clone()))
            .collect();
        assert_eq!(items.len(), 8, "{name}");
        assert_eq!(items[0].1, ItemBody::Judge { answer: true }, "{name}: √");
        assert_eq!((items[2].1.clone(), items[2].2), (ItemBody::Judge { answer: false }, Some(3)), "{name}: 错, 中");
        assert!(
            matches!(&items[5].1, ItemBody::Multiple { options, answer: 0b01011 } if options.len() == 5),
            "{name}: A,B,D of 5"
        );
        assert_eq!((items[5].2, items[6].2), (Some(4), Some(4)), "{name}: 较难 and a numeric 4");
        assert_eq!(items[4].3.as_deref(), Some("B01"));
        seen.push(items);
        if name == "template-openpyxl.xlsx" {
            let short = h.drafts.iter().find(|d| d.location.file.ends_with("[简答题]")).expect("short sheet");
            let ItemBody::Short { rubric, max_score, reference } = &short.body else { panic!("short expected") };
            assert_eq!((rubric.len(), *max_score), (3, 10.0));
            assert_eq!(rubric[2].point, "心肺复苏与呼救");
            assert!(reference.starts_with("迅速脱离电源"));
        }
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "every tool's workbook reads the same items");
}
