//! Plain text from rich content. kaoshi items are plain text, so markup is
//! flattened: blocks become lines, images become their alt text, and every
//! piece of media that cannot travel with the item is named so the import
//! report can say so.

use crate::xml::{Element, Node};

/// Flattened text and what was lost on the way.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Flat {
    /// The text: lines trimmed, runs of spaces collapsed, blank lines dropped.
    pub text: String,
    /// Media the text referred to (images, audio, objects), as `kind src`.
    pub media: Vec<String>,
}

const BLOCKS: [&str; 22] = [
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "table",
    "pre",
    "hr",
    "section",
    "article",
    "dd",
    "dt",
    "prompt",
];

struct Out {
    lines: Vec<String>,
    current: String,
    media: Vec<String>,
}

impl Out {
    fn new() -> Self {
        Out { lines: Vec::new(), current: String::new(), media: Vec::new() }
    }

    fn text(&mut self, s: &str) {
        for c in s.chars() {
            if c.is_whitespace() {
                if !self.current.ends_with(' ') && !self.current.is_empty() {
                    self.current.push(' ');
                }
            } else {
                self.current.push(c);
            }
        }
    }

    fn break_line(&mut self) {
        let line = self.current.trim().to_string();
        if !line.is_empty() {
            self.lines.push(line);
        }
        self.current.clear();
    }

    fn image(&mut self, alt: Option<&str>, src: Option<&str>) {
        self.media.push(format!("image {}", src.unwrap_or("(no src)")));
        match alt.map(str::trim).filter(|a| !a.is_empty()) {
            Some(alt) => self.text(&format!(" [图: {alt}] ")),
            None => self.text(" [图] "),
        }
    }

    fn finish(mut self) -> Flat {
        self.break_line();
        Flat { text: self.lines.join("\n"), media: self.media }
    }
}

/// The plain-text form every imported text takes: each line's whitespace
/// collapsed to single spaces and trimmed, blank lines dropped. Flattened
/// markup is already in this form, so QTI export and re-import keep it.
pub fn normalize(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The one-line form of options and rubric points: all whitespace, line
/// breaks included, collapsed to single spaces.
pub fn normalize_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Flattens the content of `element`, leaving out child elements whose
/// (folded) names are in `skip`.
pub fn flatten(element: &Element, skip: &[&str]) -> Flat {
    let mut out = Out::new();
    walk(element, skip, &mut out);
    out.finish()
}

fn walk(e: &Element, skip: &[&str], out: &mut Out) {
    for node in &e.children {
        match node {
            Node::Text(t) => out.text(t),
            Node::Element(c) if skip.contains(&c.name.as_str()) => {}
            Node::Element(c) => element(c, skip, out),
        }
    }
}

fn element(c: &Element, skip: &[&str], out: &mut Out) {
    match c.name.as_str() {
        "img" => out.image(c.attr("alt"), c.attr("src")),
        // An object's children are its fallback content; the object itself cannot travel.
        "object" => {
            out.media.push(format!("object {}", c.attr("data").unwrap_or("(no data)")));
            walk(c, skip, out);
        }
        "audio" | "video" => {
            let src = c.attr("src").or_else(|| c.child("source").and_then(|s| s.attr("src")));
            out.media.push(format!("{} {}", c.name, src.unwrap_or("(no src)")));
        }
        name if BLOCKS.contains(&name) => {
            out.break_line();
            walk(c, skip, out);
            out.break_line();
        }
        _ => walk(c, skip, out),
    }
}

/// Flattens an HTML fragment as found in Moodle XML and GIFT. HTML is not
/// XML (`<br>`, unquoted attributes), so this is a tolerant tag scanner.
pub fn flatten_html(html: &str) -> Flat {
    let mut out = Out::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.text(&decode_entities(&rest[..lt]));
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            out.text(&decode_entities(&rest[lt..]));
            rest = "";
            break;
        };
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        if let Some(body) = tag.strip_prefix("!--") {
            // A comment may hold `>`: skip to its real end.
            if !body.ends_with("--") {
                if let Some(end) = rest.find("-->") {
                    rest = &rest[end + 3..];
                }
            }
            continue;
        }
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match name.as_str() {
            "img" if !closing => out.image(html_attr(tag, "alt").as_deref(), html_attr(tag, "src").as_deref()),
            "audio" | "video" | "object" | "embed" | "iframe" if !closing => {
                let src = html_attr(tag, "src").or_else(|| html_attr(tag, "data"));
                out.media.push(format!("{name} {}", src.as_deref().unwrap_or("(no src)")));
            }
            "a" if !closing => {
                if let Some(href) = html_attr(tag, "href").filter(|h| h.contains("@@PLUGINFILE@@")) {
                    out.media.push(format!("file {href}"));
                }
            }
            "script" | "style" if !closing => {
                let end = format!("</{name}");
                match rest.to_ascii_lowercase().find(&end) {
                    Some(i) => rest = &rest[i..],
                    None => rest = "",
                }
            }
            n if BLOCKS.contains(&n) => out.break_line(),
            _ => {}
        }
    }
    out.text(&decode_entities(rest));
    out.finish()
}

/// The value of attribute `name` in a raw tag, quoted or not.
fn html_attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = tag[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value = rest[1..].trim_start();
        let raw = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or(""),
        };
        return Some(decode_entities(raw));
    }
    None
}

/// Resolves `&amp;`, `&#x4e2d;`, `&nbsp;` and the other HTML5 entities; an
/// unknown `&…;` is kept as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e > 0 && e <= 32);
        let resolved = end.and_then(|e| crate::xml::resolve_entity(&after[..e]));
        match (resolved, end) {
            (Some(r), Some(e)) => {
                out.push_str(&r);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_blocks_images_and_entities() {
        let flat = flatten_html(
            "<p>Moodle <img src=\"@@PLUGINFILE@@/logo.jpg\" alt=\"Moodle logo\" width=48> is &amp; was<br>fine&nbsp;!</p><p></p>",
        );
        assert_eq!(flat.text, "Moodle [图: Moodle logo] is & was\nfine !");
        assert_eq!(normalize("  a \u{3000} b \r\n\n c "), "a b\nc");
        assert_eq!(flat.media, vec!["image @@PLUGINFILE@@/logo.jpg".to_string()]);
        assert_eq!(flatten_html("a < b & c").text, "a < b & c");
        assert_eq!(decode_entities("&#20013;&unknown;"), "中&unknown;");
    }

    #[test]
    fn element_skips_and_objects() {
        let doc = crate::xml::parse(
            "<itemBody><p>Read <b>this</b>.</p><object data=\"x.png\"><p>fallback</p></object><choiceInteraction/></itemBody>",
        )
        .expect("xml");
        let flat = flatten(&doc, &["choiceInteraction"]);
        assert_eq!(flat.text, "Read this.\nfallback");
        assert_eq!(flat.media, vec!["object x.png".to_string()]);
    }
}
