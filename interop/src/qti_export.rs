//! A bank as an IMS QTI 3.0 content package: one `qti-assessment-item` per
//! item (judge items as a two-choice 正确/错误 choice, short items as an
//! extended-text interaction with a scorer rubric), an `imsmanifest.xml`
//! with LOM difficulty and kaoshi's own metadata per item, and the blueprint
//! and paper spec under `kaoshi/` so a kaoshi import restores the bank exactly.
//! The zip is deterministic: the same bank gives the same bytes.

use crate::conventions::LOM_DIFFICULTY;
use crate::package::{Files, BLUEPRINT_PATH, MANIFEST, PAPER_PATH};
use kaoshi_engine::bank::{export, option_letter, BankSource, Item, ItemBody};
use std::collections::HashSet;
use std::fmt::Write;
use std::io::{Cursor, Write as _};

const ITEM_NS: &str = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0";
const ITEM_XSD: &str = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd";
const CP_NS: &str = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1";
const CP_XSD: &str = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd";
const LOM_NS: &str = "http://ltsc.ieee.org/xsd/LOM";
/// Namespace of kaoshi's per-item metadata in the manifest.
pub const KAOSHI_NS: &str = "urn:kaoshi:qti-metadata:v1";
const MATCH_CORRECT: &str = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml";

/// Text of the two choices a judge item is exported with.
pub const JUDGE_CHOICES: [(&str, &str); 2] = [("T", "正确"), ("F", "错误")];

/// Escapes text for XML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Character references survive attribute-value normalisation.
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Lines of a text as `<p>` elements.
fn paragraphs(text: &str, indent: &str) -> String {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("{indent}<p>{}</p>\n", esc(l.trim()))).collect()
}

/// A QTI identifier (an XML name without colons) for a kaoshi id, unique in `taken`.
fn identifier(id: &str, taken: &mut HashSet<String>) -> String {
    let mut s: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' }).collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s = format!("I_{s}");
    }
    let mut candidate = s.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{s}_{n}");
        n += 1;
    }
    candidate
}

/// Renders one item as a QTI 3.0 `qti-assessment-item` document.
pub fn item_xml(item: &Item, ident: &str) -> String {
    let title: String = item.stem.lines().next().unwrap_or("").chars().take(60).collect();
    let mut x = String::with_capacity(1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<qti-assessment-item xmlns=\"{ITEM_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{ITEM_NS} {ITEM_XSD}\" identifier=\"{}\" title=\"{}\" adaptive=\"false\" time-dependent=\"false\" xml:lang=\"zh-CN\">",
        esc(ident),
        esc(&title)
    );
    let stem = paragraphs(&item.stem, "    ");
    match &item.body {
        ItemBody::Judge { answer } => {
            let key = if *answer { "T" } else { "F" };
            let choices: Vec<(String, &str)> = JUDGE_CHOICES.iter().map(|(id, text)| (id.to_string(), *text)).collect();
            choice(&mut x, &stem, "single", &[key.to_string()], &choices, 1);
        }
        ItemBody::Single { options, answer } => {
            let choices = letters(options);
            choice(&mut x, &stem, "single", &[option_letter(usize::from(*answer)).to_string()], &choices, 1);
        }
        ItemBody::Multiple { options, answer } => {
            let choices = letters(options);
            let keys: Vec<String> =
                (0..options.len()).filter(|i| answer & (1 << i) != 0).map(|i| option_letter(i).to_string()).collect();
            choice(&mut x, &stem, "multiple", &keys, &choices, 0);
        }
        ItemBody::Short { reference, rubric, max_score } => {
            x.push_str(
                "  <qti-response-declaration identifier=\"RESPONSE\" cardinality=\"single\" base-type=\"string\">\n",
            );
            let _ = writeln!(
                x,
                "    <qti-correct-response><qti-value>{}</qti-value></qti-correct-response>",
                esc(reference)
            );
            x.push_str("  </qti-response-declaration>\n");
            let _ = writeln!(
                x,
                "  <qti-outcome-declaration identifier=\"SCORE\" cardinality=\"single\" base-type=\"float\" normal-maximum=\"{max_score}\"/>"
            );
            let _ = writeln!(x, "  <qti-outcome-declaration identifier=\"MAXSCORE\" cardinality=\"single\" base-type=\"float\"><qti-default-value><qti-value>{max_score}</qti-value></qti-default-value></qti-outcome-declaration>");
            x.push_str("  <qti-item-body>\n");
            x.push_str(&stem);
            x.push_str("    <qti-extended-text-interaction response-identifier=\"RESPONSE\"/>\n");
            x.push_str(
                "    <qti-rubric-block use=\"scoring\" view=\"scorer\">\n      <qti-content-body>\n        <ul>\n",
            );
            for p in rubric {
                let _ = writeln!(x, "          <li data-score=\"{}\">{}</li>", p.score, esc(&p.point));
            }
            x.push_str("        </ul>\n      </qti-content-body>\n    </qti-rubric-block>\n  </qti-item-body>\n");
        }
    }
    x.push_str("</qti-assessment-item>\n");
    x
}

fn letters(options: &[String]) -> Vec<(String, &str)> {
    options.iter().enumerate().map(|(i, o)| (option_letter(i).to_string(), o.as_str())).collect()
}

fn choice(x: &mut String, stem: &str, cardinality: &str, keys: &[String], choices: &[(String, &str)], max: usize) {
    let _ = writeln!(
        x,
        "  <qti-response-declaration identifier=\"RESPONSE\" cardinality=\"{cardinality}\" base-type=\"identifier\">"
    );
    x.push_str("    <qti-correct-response>\n");
    for k in keys {
        let _ = writeln!(x, "      <qti-value>{k}</qti-value>");
    }
    x.push_str("    </qti-correct-response>\n  </qti-response-declaration>\n");
    x.push_str("  <qti-outcome-declaration identifier=\"SCORE\" cardinality=\"single\" base-type=\"float\"/>\n");
    x.push_str("  <qti-item-body>\n");
    x.push_str(stem);
    let _ = writeln!(
        x,
        "    <qti-choice-interaction response-identifier=\"RESPONSE\" shuffle=\"true\" max-choices=\"{max}\">"
    );
    for (id, text) in choices {
        let _ = writeln!(x, "      <qti-simple-choice identifier=\"{id}\">{}</qti-simple-choice>", esc(text.trim()));
    }
    x.push_str("    </qti-choice-interaction>\n  </qti-item-body>\n");
    let _ = writeln!(x, "  <qti-response-processing template=\"{MATCH_CORRECT}\"/>");
}

/// The package's files: manifest, items, blueprint and paper spec.
pub fn package_files(source: &BankSource) -> Files {
    let bank = &source.bank;
    let mut files = Files::new();
    let mut taken = HashSet::new();
    let mut resources = String::new();
    for item in &bank.items {
        let ident = identifier(&item.id, &mut taken);
        let href = format!("items/{ident}.xml");
        files.insert(href.clone(), item_xml(item, &ident).into_bytes());
        let difficulty = LOM_DIFFICULTY[usize::from(item.difficulty.clamp(1, 5)) - 1];
        let enemy = item.enemy_group.as_ref().map(|g| format!(" enemy-group=\"{}\"", esc(g))).unwrap_or_default();
        let _ = write!(
            resources,
            "    <resource identifier=\"R_{ident}\" type=\"imsqti_item_xmlv3p0\" href=\"{href}\">\n      <metadata>\n        <imsmd:lom><imsmd:educational><imsmd:difficulty><imsmd:source>LOMv1.0</imsmd:source><imsmd:value>{difficulty}</imsmd:value></imsmd:difficulty></imsmd:educational></imsmd:lom>\n        <ks:kaoshi-item id=\"{}\" type=\"{}\" point=\"{}\" difficulty=\"{}\" status=\"{}\"{enemy}/>\n      </metadata>\n      <file href=\"{href}\"/>\n    </resource>\n",
            esc(&item.id),
            item.item_type().code(),
            esc(&item.point),
            item.difficulty,
            item.status.code(),
        );
    }
    let text = export(source);
    files.insert(BLUEPRINT_PATH.to_string(), text.bank_toml.into_bytes());
    let mut kaoshi_files = format!("      <file href=\"{BLUEPRINT_PATH}\"/>\n");
    if let Some(paper) = text.paper_toml {
        files.insert(PAPER_PATH.to_string(), paper.into_bytes());
        let _ = writeln!(kaoshi_files, "      <file href=\"{PAPER_PATH}\"/>");
    }
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"{CP_NS}\" xmlns:imsmd=\"{LOM_NS}\" xmlns:ks=\"{KAOSHI_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{CP_NS} {CP_XSD}\" identifier=\"{}\">\n  <metadata>\n    <schema>QTI Package</schema>\n    <schemaversion>3.0.0</schemaversion>\n  </metadata>\n  <organizations/>\n  <resources>\n{resources}    <resource identifier=\"kaoshi_blueprint\" type=\"webcontent\" href=\"{BLUEPRINT_PATH}\">\n{kaoshi_files}    </resource>\n  </resources>\n</manifest>\n",
        esc(&format!("kaoshi_{}_v{}", bank.meta.id, bank.meta.version)),
    );
    files.insert(MANIFEST.to_string(), manifest.into_bytes());
    files
}

/// The package as zip bytes, manifest first, fixed timestamps.
pub fn package_zip(source: &BankSource) -> std::io::Result<Vec<u8>> {
    let mut files = package_files(source);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let manifest = files.remove(MANIFEST).unwrap_or_default();
    for (name, bytes) in std::iter::once((MANIFEST.to_string(), manifest)).chain(files) {
        zip.start_file(name, options).map_err(std::io::Error::other)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_xml_names_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(identifier("E4-00001", &mut taken), "E4-00001");
        assert_eq!(identifier("1/2", &mut taken), "I_1_2");
        assert_eq!(identifier("1:2", &mut taken), "I_1_2_2");
    }
}
