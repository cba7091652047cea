//! Every validation error, one fixture each: a valid base source with one
//! edit, and the diagnostic (file, line, field, message) it must produce.

use super::minimal::{BANK, ITEMS, PAPER};
use kaoshi_engine::{parse_source, Diagnostic, SourceFiles};

fn parse(bank: &str, paper: &str, items: &str) -> Result<kaoshi_engine::BankSource, Vec<Diagnostic>> {
    parse_source(SourceFiles { bank_toml: bank, paper_toml: Some(paper), items_jsonl: items })
        .map_err(|e| e.diagnostics)
}

fn edit(base: &str, from: &str, to: &str) -> String {
    assert_eq!(base.matches(from).count(), 1, "fixture edit `{from}` must match exactly once");
    base.replacen(from, to, 1)
}

/// Applies one edit to one file and expects exactly one diagnostic.
fn check(file: &str, from: &str, to: &str, line: usize, field: Option<&str>, message: &str) {
    let (bank, paper, items) = match file {
        "bank.toml" => (edit(BANK, from, to), PAPER.to_string(), ITEMS.to_string()),
        "paper.toml" => (BANK.to_string(), edit(PAPER, from, to), ITEMS.to_string()),
        "items.jsonl" => (BANK.to_string(), PAPER.to_string(), edit(ITEMS, from, to)),
        other => panic!("no fixture file {other}"),
    };
    let diags = parse(&bank, &paper, &items).expect_err("the edit must be refused");
    assert_eq!(diags.len(), 1, "expected exactly one diagnostic, got {diags:#?}");
    let d = &diags[0];
    assert_eq!((d.file.as_str(), d.line, d.field.as_deref()), (file, Some(line), field), "{d}");
    assert!(d.message.contains(message), "message `{}` should contain `{message}`", d.message);
}

#[test]
fn the_base_fixture_is_valid() {
    let source = parse(BANK, PAPER, ITEMS).expect("valid");
    assert_eq!(source.bank.items.len(), 5);
    assert_eq!(source.bank.modules.len(), 2);
    assert_eq!(source.spec.expect("spec").sections.len(), 3);
}

// bank.toml

#[test]
fn bank_broken_toml() {
    check("bank.toml", "version = 1", "version = = 1", 6, None, "invalid TOML");
}

#[test]
fn bank_weights_not_summing_to_100() {
    check("bank.toml", "weight = 60.0", "weight = 50.0", 9, Some("modules"), "sum to 90, expected 100");
}

#[test]
fn bank_duplicate_module_code() {
    check(
        "bank.toml",
        "code = \"B\"",
        "code = \"A\"",
        18,
        Some("modules[1].code"),
        "duplicate module code `A` (first on line 10)",
    );
}

#[test]
fn bank_duplicate_point_code() {
    check(
        "bank.toml",
        "code = \"B01\"",
        "code = \"A01\"",
        22,
        Some("modules[1].points[0].code"),
        "duplicate point code `A01`",
    );
}

#[test]
fn bank_unknown_level() {
    check("bank.toml", "level = \"4\"", "level = \"9\"", 5, Some("level"), "unknown level `9`");
}

#[test]
fn bank_bad_id() {
    check("bank.toml", "id = \"t-1\"", "id = \"T 1\"", 1, Some("id"), "may hold only a-z, 0-9 and `-`");
}

#[test]
fn bank_bad_occupation_code() {
    check("bank.toml", "6-31-01-03", "6-31-x", 3, Some("occupation_code"), "is not an occupation code");
}

#[test]
fn bank_missing_title() {
    check("bank.toml", "title = \"测试题库\"\n", "", 1, Some("title"), "missing required field");
}

#[test]
fn bank_wrong_type() {
    check("bank.toml", "version = 1", "version = \"1\"", 6, Some("version"), "expected an integer, found a string");
}

#[test]
fn bank_unknown_field() {
    check("bank.toml", "weight = 40.0", "weight = 40.0\nwieght = 1", 13, Some("modules[0].wieght"), "unknown field");
}

#[test]
fn bank_unknown_importance() {
    check(
        "bank.toml",
        "importance = \"Y\"",
        "importance = \"W\"",
        22,
        Some("modules[1].points[0].importance"),
        "unknown importance `W`",
    );
}

#[test]
fn bank_weighted_module_without_points() {
    check(
        "bank.toml",
        "points = [\n  { code = \"B01\", name = \"直流电路\", importance = \"Y\" },\n]",
        "points = []",
        21,
        Some("modules[1].points"),
        "needs at least one evaluation point",
    );
}

#[test]
fn bank_negative_weight() {
    check("bank.toml", "weight = 40.0", "weight = -40.0", 12, Some("modules[0].weight"), "between 0 and 100");
}

// paper.toml

#[test]
fn paper_section_scores_not_summing_to_total() {
    check(
        "paper.toml",
        "score = 40.0",
        "score = 30.0",
        6,
        Some("sections"),
        "add up to 90, expected the total score 100",
    );
}

#[test]
fn paper_unknown_section_type() {
    check("paper.toml", "type = \"single\"", "type = \"essay\"", 12, Some("sections[1].type"), "unknown type `essay`");
}

#[test]
fn paper_scoring_on_a_non_multiple_section() {
    check(
        "paper.toml",
        "count = 2\nscore = 10.0",
        "count = 2\nscore = 10.0\nscoring = \"partial\"",
        10,
        Some("sections[0].scoring"),
        "only multiple sections",
    );
}

#[test]
fn paper_pass_score_above_total() {
    check("paper.toml", "pass_score = 60", "pass_score = 160", 3, Some("pass_score"), "at most the total score");
}

#[test]
fn paper_zero_count() {
    check("paper.toml", "count = 1", "count = 0", 18, Some("sections[2].count"), "between 1 and 1000");
}

#[test]
fn paper_difficulty_target_off_scale() {
    check(
        "paper.toml",
        "scoring = \"partial\"\n",
        "scoring = \"partial\"\n\n[difficulty]\ntarget = 7.0\ntolerance = 0.3\n",
        23,
        Some("difficulty.target"),
        "1–5 scale",
    );
}

#[test]
fn paper_missing_duration() {
    check("paper.toml", "duration_minutes = 60\n", "", 1, Some("duration_minutes"), "missing required field");
}

// items.jsonl

#[test]
fn items_broken_json() {
    check("items.jsonl", r#""answer":"T","status""#, r#""answer":"T""status""#, 1, None, "invalid JSON at column");
}

#[test]
fn items_line_not_an_object() {
    check("items.jsonl", "{\"id\":\"T5\"", "[1]\n{\"id\":\"T5\"", 5, None, "must be a JSON object, found an array");
}

#[test]
fn items_unknown_point() {
    check(
        "items.jsonl",
        r#""point":"B01","type":"multiple""#,
        r#""point":"Z99","type":"multiple""#,
        3,
        Some("point"),
        "unknown evaluation point `Z99`",
    );
}

#[test]
fn items_duplicate_id() {
    check("items.jsonl", r#""id":"T4""#, r#""id":"T2""#, 4, Some("id"), "duplicate item id `T2` (first on line 2)");
}

#[test]
fn items_answer_letter_out_of_range() {
    check(
        "items.jsonl",
        r#""answer":"C""#,
        r#""answer":"E""#,
        2,
        Some("answer"),
        "answer letter E is out of range: the item has 4 options (A–D)",
    );
}

#[test]
fn items_multiple_with_one_letter() {
    check("items.jsonl", r#""answer":"ACD""#, r#""answer":"A""#, 3, Some("answer"), "two or more correct letters");
}

#[test]
fn items_multiple_letters_out_of_order() {
    check("items.jsonl", r#""answer":"ACD""#, r#""answer":"CA""#, 3, Some("answer"), "in order without repeats");
}

#[test]
fn items_single_with_two_letters() {
    check("items.jsonl", r#""answer":"C""#, r#""answer":"BC""#, 2, Some("answer"), "exactly one correct letter");
}

#[test]
fn items_unknown_type() {
    check("items.jsonl", r#""type":"short""#, r#""type":"essay""#, 4, Some("type"), "unknown type `essay`");
}

#[test]
fn items_difficulty_out_of_range() {
    check(
        "items.jsonl",
        r#""difficulty":2"#,
        r#""difficulty":7"#,
        2,
        Some("difficulty"),
        "from 1 (easy) to 5 (hard), got 7",
    );
}

#[test]
fn items_empty_stem() {
    check("items.jsonl", r#""stem":"单选题""#, r#""stem":"  ""#, 2, Some("stem"), "must not be empty");
}

#[test]
fn items_bad_judge_answer() {
    check("items.jsonl", r#""answer":"F""#, r#""answer":"对""#, 5, Some("answer"), "\"T\" or \"F\"");
}

#[test]
fn items_single_with_too_few_options() {
    check(
        "items.jsonl",
        r#""options":["甲","乙","丙","丁"],"answer":"C""#,
        r#""options":["甲"],"answer":"A""#,
        2,
        Some("options"),
        "2–8 options, found 1",
    );
}

#[test]
fn items_options_on_a_judge_item() {
    check(
        "items.jsonl",
        r#""stem":"判断题二","#,
        r#""stem":"判断题二","options":["对","错"],"#,
        5,
        Some("options"),
        "not allowed on a judge item",
    );
}

#[test]
fn items_repeated_option() {
    check(
        "items.jsonl",
        r#"["甲","乙","丙","丁"],"answer":"C""#,
        r#"["甲","乙","甲","丁"],"answer":"C""#,
        2,
        Some("options"),
        "option C repeats",
    );
}

#[test]
fn items_short_without_rubric() {
    check(
        "items.jsonl",
        r#""rubric":[{"point":"要点一","score":3},{"point":"要点二","score":2}],"#,
        "",
        4,
        Some("rubric"),
        "needs a rubric",
    );
}

#[test]
fn items_rubric_not_adding_up() {
    check("items.jsonl", r#""max_score":5"#, r#""max_score":6"#, 4, Some("rubric"), "add up to 5, but max_score is 6");
}

#[test]
fn items_unknown_field() {
    check(
        "items.jsonl",
        r#""enemy_group":"G1""#,
        r#""enemy_group":"G1","analysis":"解析""#,
        3,
        Some("analysis"),
        "unknown field",
    );
}

#[test]
fn items_unknown_status() {
    check(
        "items.jsonl",
        r#""status":"retired""#,
        r#""status":"deleted""#,
        5,
        Some("status"),
        "unknown status `deleted`",
    );
}

#[test]
fn items_missing_answer() {
    check(
        "items.jsonl",
        r#","answer":"T","status":"active""#,
        r#","status":"active""#,
        1,
        Some("answer"),
        "missing required field",
    );
}

#[test]
fn every_problem_of_every_file_is_reported() {
    let bank = edit(BANK, "weight = 60.0", "weight = 50.0");
    let paper = edit(PAPER, "score = 40.0", "score = 30.0");
    let items =
        edit(edit(ITEMS, r#""answer":"C""#, r#""answer":"E""#).as_str(), r#""difficulty":5"#, r#""difficulty":0"#);
    let diags = parse(&bank, &paper, &items).expect_err("refused");
    let places: Vec<(String, Option<usize>)> = diags.iter().map(|d| (d.file.clone(), d.line)).collect();
    assert_eq!(
        places,
        vec![
            ("bank.toml".to_string(), Some(9)),
            ("items.jsonl".to_string(), Some(2)),
            ("items.jsonl".to_string(), Some(5)),
            ("paper.toml".to_string(), Some(6)),
        ]
    );
}

#[test]
fn garbage_never_panics() {
    let inputs = ["", "\u{0}", "[[modules]]\n[[modules]]", "modules = 3", "{", "\"", "id = \"\"\nmodules = [1, \"a\"]"];
    for bank in inputs {
        for items in inputs {
            let _ = parse(bank, bank, items);
        }
    }
}
