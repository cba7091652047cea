//! Spreadsheet banks (题库导入模板): one item per row under a header row of
//! 题型, 题干, 选项A–H, 答案, 难度, 鉴定点 and friends. CSV and workbook
//! readers both come down to a [`Table`] of text cells.

use crate::conventions::{self, half_width};
use crate::draft::{choice_body, short_body, Draft, Harvest, Location};
use kaoshi_engine::bank::{ItemType, Status};
use rayon::prelude::*;

/// A sheet of text cells with the 1-based line (row) number of each row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// How the user knows it: `bank.csv`, `bank.xlsx[单选题]`.
    pub name: String,
    /// Rows in order, with their 1-based row numbers.
    pub rows: Vec<(usize, Vec<String>)>,
    /// The item type a sheet's name implies (`单选题` sheet), for rows without a 题型 column.
    pub type_hint: Option<ItemType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Type,
    Stem,
    Option(u8),
    Options,
    Answer,
    Difficulty,
    Point,
    Module,
    Id,
    Rubric,
    MaxScore,
    EnemyGroup,
    Status,
    /// Known but not carried (解析, 序号): noted once.
    Ignored,
}

fn column(header: &str) -> Option<Column> {
    let h = half_width(header);
    // "答案(多选用逗号分隔)" → "答案"
    let h = h.split(['(', '（', '[']).next().unwrap_or("").trim().to_lowercase();
    let h = h.replace([' ', '_'], "");
    let letter = |s: &str| -> Option<u8> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c @ 'a'..='h'), None) => Some(c as u8 - b'a'),
            _ => None,
        }
    };
    if let Some(rest) = h.strip_prefix("选项").or_else(|| h.strip_prefix("option")) {
        if rest.is_empty() || rest == "s" {
            return Some(Column::Options);
        }
        return letter(rest).map(Column::Option);
    }
    if let Some(i) = letter(&h) {
        return Some(Column::Option(i));
    }
    Some(match h.as_str() {
        "题型" | "题目类型" | "试题类型" | "类型" | "type" => Column::Type,
        "题干" | "题目" | "试题内容" | "题目内容" | "试题" | "问题" | "stem" | "question" => {
            Column::Stem
        }
        "答案" | "正确答案" | "参考答案" | "标准答案" | "answer" | "key" => Column::Answer,
        "难度" | "难易程度" | "难度等级" | "difficulty" => Column::Difficulty,
        "鉴定点" | "鉴定点代码" | "评价点" | "考核点" | "知识点" | "point" => Column::Point,
        "模块" | "鉴定范围" | "章节" | "module" => Column::Module,
        "题号" | "编号" | "试题编号" | "题目编号" | "id" => Column::Id,
        "评分要点" | "评分标准" | "评分细则" | "rubric" => Column::Rubric,
        "分值" | "满分" | "maxscore" => Column::MaxScore,
        "互斥组" | "互斥" | "enemygroup" => Column::EnemyGroup,
        "状态" | "status" => Column::Status,
        "解析" | "答案解析" | "试题解析" | "序号" | "备注" | "explanation" => Column::Ignored,
        _ => return None,
    })
}

/// Reads the rows of a table.
pub fn read_table(table: &Table) -> Harvest {
    let mut harvest = Harvest::default();
    let mut rows = table.rows.iter().filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    // The header is the first row naming both a stem and an answer column.
    let mut header = None;
    let mut before = Vec::new();
    for (line, cells) in rows.by_ref() {
        let cols: Vec<Option<Column>> = cells.iter().map(|c| column(c)).collect();
        if cols.contains(&Some(Column::Stem)) && cols.contains(&Some(Column::Answer)) {
            header = Some((*line, cells, cols));
            break;
        }
        before.push(*line);
    }
    let Some((header_line, names, cols)) = header else {
        let location = Location::new(&table.name, before.first().copied());
        if !before.is_empty() {
            harvest.skip(location, "no header row with 题干 and 答案 columns: no row of this sheet was read");
        }
        return harvest;
    };
    for line in before {
        harvest.skip(Location::new(&table.name, Some(line)), "row above the header row (题干, 答案) was not read");
    }
    let mut ignored = Vec::new();
    for (name, col) in names.iter().zip(&cols) {
        match col {
            None if !name.trim().is_empty() => ignored.push(format!("`{}`", name.trim())),
            Some(Column::Ignored) => ignored.push(format!("`{}`", name.trim())),
            _ => {}
        }
    }
    if !ignored.is_empty() {
        harvest.note(
            Location::new(&table.name, Some(header_line)),
            format!("column(s) {} are not carried into the bank", ignored.join(", ")),
        );
    }
    if !cols.contains(&Some(Column::Type)) && table.type_hint.is_none() {
        harvest.skip(
            Location::new(&table.name, Some(header_line)),
            "no 题型 column and the sheet name names no type: no row of this sheet was read",
        );
        return harvest;
    }
    // Data under no header would otherwise vanish: count it per column.
    let mut headless: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let rows: Vec<&(usize, Vec<String>)> = rows.collect();
    for (_, cells) in &rows {
        for (i, cell) in cells.iter().enumerate() {
            let unnamed = names.get(i).is_none_or(|n| n.trim().is_empty());
            if unnamed && !cell.trim().is_empty() {
                *headless.entry(i).or_default() += 1;
            }
        }
    }
    // Rows are independent: read them in parallel, join in row order.
    let read: Vec<Harvest> = rows
        .par_iter()
        .map(|(line, cells)| {
            let mut h = Harvest::default();
            let location = Location::new(&table.name, Some(*line));
            match read_row(&cols, cells, table.type_hint, &location, &mut h) {
                Ok(draft) => h.drafts.push(draft),
                Err(reason) => h.skip(location, reason),
            }
            h
        })
        .collect();
    for h in read {
        harvest.absorb(h);
    }
    for (column, rows) in headless {
        harvest.note(
            Location::new(&table.name, Some(header_line)),
            format!("column {} has no header but holds data in {rows} row(s); it was not read", column_name(column)),
        );
    }
    harvest
}

/// Spreadsheet column letters: 0 → A, 26 → AA.
pub fn column_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn read_row(
    cols: &[Option<Column>],
    cells: &[String],
    hint: Option<ItemType>,
    location: &Location,
    harvest: &mut Harvest,
) -> Result<Draft, String> {
    let get = |want: Column| -> Option<&str> {
        cols.iter().zip(cells).find(|(c, v)| **c == Some(want) && !v.trim().is_empty()).map(|(_, v)| v.trim())
    };
    let item_type = match get(Column::Type) {
        Some(t) => conventions::item_type(t)
            .ok_or_else(|| format!("题型 `{t}` has no kaoshi type (expected {})", conventions::TYPE_SPELLINGS))?,
        None => hint.ok_or("题型 is empty")?,
    };
    let stem = get(Column::Stem).ok_or("题干 is empty")?.to_string();
    let answer = get(Column::Answer);
    let mut options: Vec<String> = Vec::new();
    let mut gap = None;
    for i in 0..8u8 {
        match get(Column::Option(i)) {
            Some(text) => {
                if let Some(missing) = gap {
                    return Err(format!(
                        "选项{} is empty but 选项{} is not",
                        (b'A' + missing) as char,
                        (b'A' + i) as char
                    ));
                }
                options.push(text.to_string());
            }
            None => gap = gap.or(Some(i)),
        }
    }
    if options.is_empty() {
        if let Some(all) = get(Column::Options) {
            options = all.split(['|', '\n']).map(str::trim).filter(|o| !o.is_empty()).map(String::from).collect();
        }
    }
    let body = match item_type {
        ItemType::Judge => {
            let a = answer.ok_or("答案 is empty")?;
            // "A" means whatever 选项A says when the row spells out 正确/错误 options.
            let by_option = match conventions::letters(a, options.len()) {
                Ok(mask) if mask.count_ones() == 1 && options.len() == 2 => {
                    conventions::truth_word(&options[mask.trailing_zeros() as usize])
                }
                _ => None,
            };
            let value = by_option
                .or_else(|| conventions::judge_answer(a))
                .ok_or_else(|| format!("判断题 answer `{a}` is not one of √ × 对 错 正确 错误 T F"))?;
            kaoshi_engine::bank::ItemBody::Judge { answer: value }
        }
        ItemType::Single | ItemType::Multiple => {
            let a = answer.ok_or("答案 is empty")?;
            if options.is_empty() {
                return Err(format!("a {} item needs options (选项A, 选项B, …)", item_type.name_zh()));
            }
            let mask = conventions::letters(a, options.len())?;
            let correct: Vec<usize> = (0..8).filter(|i| mask & (1 << i) != 0).collect();
            choice_body(options, &correct, item_type == ItemType::Multiple, item_type == ItemType::Single)?
        }
        ItemType::Short => {
            let rubric = match get(Column::Rubric) {
                Some(text) => Some(conventions::rubric(text).ok_or_else(|| {
                    format!("评分要点 `{text}` cannot be read: write each point with its score, e.g. 要点一(4分)；要点二(6分)")
                })?),
                None => None,
            };
            let max_score = match get(Column::MaxScore) {
                Some(s) => Some(half_width(s).parse::<f64>().map_err(|_| format!("分值 `{s}` is not a number"))?),
                None => None,
            };
            short_body(harvest, location, answer.map(String::from), rubric, max_score)
        }
    };
    let mut draft = Draft::new(location.clone(), stem, body);
    draft.difficulty = get(Column::Difficulty).map(conventions::difficulty).transpose()?;
    draft.point = get(Column::Point).map(String::from);
    draft.module = get(Column::Module).map(String::from);
    draft.source_id = get(Column::Id).map(String::from);
    draft.enemy_group = get(Column::EnemyGroup).map(String::from);
    if let Some(s) = get(Column::Status) {
        draft.status = match half_width(s).to_lowercase().as_str() {
            "active" | "启用" | "有效" | "正常" => Status::Active,
            "retired" | "停用" | "作废" | "禁用" => Status::Retired,
            other => return Err(format!("状态 `{other}` is not 启用/停用 (active/retired)")),
        };
    }
    Ok(draft)
}

/// The item type a sheet name implies (`单选题`, `判断`), if any.
pub fn sheet_type(name: &str) -> Option<ItemType> {
    conventions::item_type(name)
}
