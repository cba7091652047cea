//! A small element tree over quick-xml, with the line of every element, and
//! names folded so that QTI 2.1 (`choiceInteraction`, `maxChoices`) and QTI 3.0
//! (`qti-choice-interaction`, `max-choices`) read the same.

use quick_xml::escape::{resolve_html5_entity, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// An element: its folded local name, folded attributes, children and line.
#[derive(Debug, Clone)]
pub struct Element {
    /// Local name without namespace prefix; `qti-` dropped and kebab-case folded to camelCase.
    pub name: String,
    /// Attributes by folded local name, in document order.
    pub attrs: Vec<(String, String)>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
    /// 1-based line of the start tag.
    pub line: usize,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub enum Node {
    /// A nested element.
    Element(Element),
    /// Character data, entities resolved.
    Text(String),
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// 1-based line of the problem.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Folds a name: drops a namespace prefix and the `qti-` prefix, and turns
/// kebab-case into camelCase.
pub fn fold_name(raw: &str) -> String {
    let local = raw.rsplit(':').next().unwrap_or(raw);
    let local = local.strip_prefix("qti-").unwrap_or(local);
    if !local.contains('-') || local.starts_with("data-") {
        return local.to_string();
    }
    let mut out = String::with_capacity(local.len());
    let mut upper = false;
    for c in local.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl Element {
    /// The value of attribute `name` (folded).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// Child elements called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// Every descendant element (depth first, document order), not including `self`.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
            for c in e.elements() {
                out.push(c);
                walk(c, out);
            }
        }
        walk(self, &mut out);
        out
    }

    /// The first descendant called `name`.
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.descendants().into_iter().find(|e| e.name == name)
    }

    /// All text below the element, concatenated as written.
    pub fn raw_text(&self) -> String {
        let mut out = String::new();
        fn walk(e: &Element, out: &mut String) {
            for n in &e.children {
                match n {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(c) => walk(c, out),
                }
            }
        }
        walk(self, &mut out);
        out
    }
}

/// Parses a document whose root must be `root` (folded name); otherwise the
/// reason it cannot be read, located, for the import report.
pub fn document(file: &str, text: &str, root: &str, what: &str) -> Result<Element, crate::draft::Skipped> {
    use crate::draft::{Location, Skipped};
    match parse(text) {
        Ok(doc) if doc.name == root => Ok(doc),
        Ok(doc) => Err(Skipped {
            location: Location::new(file, Some(doc.line)),
            reason: format!("root element is <{}>, not {what}", doc.name),
        }),
        Err(e) => Err(Skipped {
            location: Location::new(file, Some(e.line)),
            reason: format!("not readable XML: {}", e.message),
        }),
    }
}

/// Converts a byte offset to a 1-based line.
fn line_at(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Lines of increasing offsets, counted incrementally: a document is
/// scanned once, not once per element.
struct Lines<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            return line_at(self.text, offset);
        }
        self.line += self.text.as_bytes()[self.offset..offset].iter().filter(|&&b| b == b'\n').count();
        self.offset = offset;
        self.line
    }
}

/// Resolves an entity name (`amp`, `nbsp`, `#x4e2d`, `#20013`) to its text.
pub(crate) fn resolve_entity(name: &str) -> Option<String> {
    if let Some(rest) = name.strip_prefix('#') {
        let code = match rest.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => rest.parse().ok(),
        };
        return code.and_then(char::from_u32).map(String::from);
    }
    resolve_predefined_entity(name).or_else(|| resolve_html5_entity(name)).map(str::to_string)
}

fn start_element(lines: &mut Lines<'_>, start: &BytesStart<'_>, at: usize) -> Result<Element, XmlError> {
    let line = lines.at(at);
    let name = fold_name(start.name().as_ref());
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError { line, message: format!("bad attribute in <{name}>: {e}") })?;
        let key = attr.key.as_ref().to_string();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| XmlError { line, message: format!("bad value of attribute `{key}` in <{name}>: {e}") })?;
        attrs.push((fold_name(&key), value.into_owned()));
    }
    Ok(Element { name, attrs, children: Vec::new(), line })
}

/// Parses a whole document into its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    parse_with(text, true)
}

/// Parses a data document (a manifest) whose whitespace-only text carries
/// nothing: dropping it keeps a 100,000-item manifest's tree small.
pub fn parse_data(text: &str) -> Result<Element, XmlError> {
    parse_with(text, false)
}

fn parse_with(text: &str, keep_blank: bool) -> Result<Element, XmlError> {
    let text_body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let skipped = text.len() - text_body.len();
    let mut reader = Reader::from_str(text_body);
    reader.config_mut().check_end_names = true;
    let mut lines = Lines { text, offset: 0, line: 1 };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let err_at = |pos: u64, message: String| XmlError { line: line_at(text, pos as usize + skipped), message };
    loop {
        let before = reader.buffer_position();
        let event =
            reader.read_event().map_err(|e| err_at(reader.error_position(), format!("not well-formed XML: {e}")))?;
        let at = before as usize + skipped;
        match event {
            Event::Start(s) => stack.push(start_element(&mut lines, &s, at)?),
            Event::Empty(s) => {
                let e = start_element(&mut lines, &s, at)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None if root.is_none() => root = Some(e),
                    None => return Err(err_at(before, "more than one root element".into())),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(err_at(before, "closing tag without an opening tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None if root.is_none() => root = Some(done),
                    None => return Err(err_at(before, "more than one root element".into())),
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                if keep_blank || !content.trim().is_empty() {
                    push_text(&mut stack, &content);
                }
            }
            Event::CData(c) => push_text(&mut stack, &c.xml10_content()),
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                match resolve_entity(&name) {
                    Some(s) => push_text(&mut stack, &s),
                    None => return Err(err_at(before, format!("unknown entity `&{name};`"))),
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError { line: open.line, message: format!("<{}> is never closed", open.name) });
    }
    root.ok_or(XmlError { line: 1, message: "no root element".into() })
}

fn push_text(stack: &mut [Element], s: &str) {
    if let Some(parent) = stack.last_mut() {
        if let Some(Node::Text(prev)) = parent.children.last_mut() {
            prev.push_str(s);
        } else {
            parent.children.push(Node::Text(s.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_qti3_names_to_qti2() {
        assert_eq!(fold_name("qti-choice-interaction"), "choiceInteraction");
        assert_eq!(fold_name("max-choices"), "maxChoices");
        assert_eq!(fold_name("choiceInteraction"), "choiceInteraction");
        assert_eq!(fold_name("ssml:sub"), "sub");
        assert_eq!(fold_name("data-catalog-idref"), "data-catalog-idref");
    }

    #[test]
    fn lines_entities_and_errors() {
        let doc =
            parse("<a>\n <b x=\"1 &amp; 2\">x &lt; y &#x4e2d;&nbsp;</b>\n <c/><![CDATA[<p>]]></a>").expect("parses");
        let b = doc.child("b").expect("b");
        assert_eq!((b.line, b.attr("x")), (2, Some("1 & 2")));
        assert_eq!(b.raw_text(), "x < y 中\u{a0}");
        assert_eq!(doc.child("c").map(|c| c.line), Some(3));
        assert!(doc.raw_text().ends_with("<p>"));
        let bad = parse("<a>\n<b></c></a>").expect_err("mismatched");
        assert_eq!(bad.line, 2);
    }
}
