//! The code map's invariants, checked on the sources: no import cycle among
//! the files of any crate, the exam service without HTTP or command-line
//! crates, sled only behind the store, HTTP only in the HTTP crate, and
//! nothing outside the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: ModPath = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|l| l == "mod") || (parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its unit-test module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every `a::b::c` path in `code` starting at a word boundary with one of `roots`.
fn paths(code: &str, roots: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    for (k, &(i, _)) in chars.iter().enumerate() {
        let before = if k == 0 { ' ' } else { chars[k - 1].1 };
        if is_ident(before) || before == ':' {
            continue;
        }
        let rest = &code[i..];
        let Some(root) = roots.iter().find(|r| rest.starts_with(&format!("{r}::"))) else { continue };
        let mut segs = Vec::new();
        let mut tail = &rest[root.len()..];
        while let Some(t) = tail.strip_prefix("::") {
            let end = t.find(|c: char| !is_ident(c)).unwrap_or(t.len());
            if end == 0 {
                // A `{a, b::c}` group: its first segments.
                if let Some(group) = t.strip_prefix('{') {
                    let inner = &group[..group.find('}').unwrap_or(group.len())];
                    for item in inner.split(',') {
                        let first: String = item.trim().chars().take_while(|c| is_ident(*c)).collect();
                        if !first.is_empty() {
                            let mut s = segs.clone();
                            s.push(first);
                            out.push((root.to_string(), s));
                        }
                    }
                }
                break;
            }
            segs.push(t[..end].to_string());
            tail = &t[end..];
        }
        out.push((root.to_string(), segs));
    }
    out
}

/// Import edges between the files of the crate rooted at `src`.
fn edges(src: &Path) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let texts: BTreeMap<ModPath, (bool, String)> = files
        .iter()
        .map(|f| {
            let parent_style = f.file_name().is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs");
            (module_of(src, f), (parent_style, code(&std::fs::read_to_string(f).expect("read"))))
        })
        .collect();
    let mut out = BTreeMap::new();
    for (m, (parent_style, text)) in &texts {
        // The module a `super::` in this file names, and this file's own module for children.
        let here: ModPath = m.clone();
        let parent: ModPath = m[..m.len().saturating_sub(1)].to_vec();
        let children: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                let l = l.strip_prefix("pub ").or_else(|| l.strip_prefix("pub(crate) ")).unwrap_or(l);
                l.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')).map(str::to_string)
            })
            .collect();
        let _ = parent_style;
        let mut roots: Vec<&str> = vec!["crate", "super"];
        roots.extend(children.iter().map(String::as_str));
        let mut deps = BTreeSet::new();
        for (root, segs) in paths(text, &roots) {
            let (mut base, mut segs) = match root.as_str() {
                "crate" => (Vec::new(), segs),
                "super" => (parent.clone(), segs),
                child => (here.iter().cloned().chain([child.to_string()]).collect(), segs),
            };
            while segs.first().is_some_and(|s| s == "super") {
                base.pop();
                segs.remove(0);
            }
            let mut target = base;
            for s in segs {
                let mut next = target.clone();
                next.push(s);
                if texts.contains_key(&next) {
                    target = next;
                } else {
                    break;
                }
            }
            if &target != m && texts.contains_key(&target) {
                deps.insert(target);
            }
        }
        out.insert(m.clone(), deps);
    }
    out
}

/// A cycle among the modules, if any.
fn cycle(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Option<Vec<ModPath>> {
    fn visit(
        g: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        v: &ModPath,
        state: &mut BTreeMap<ModPath, u8>,
        stack: &mut Vec<ModPath>,
    ) -> Option<Vec<ModPath>> {
        state.insert(v.clone(), 1);
        stack.push(v.clone());
        for w in g.get(v).into_iter().flatten() {
            match state.get(w).copied().unwrap_or(0) {
                0 => {
                    if let Some(c) = visit(g, w, state, stack) {
                        return Some(c);
                    }
                }
                1 => {
                    let from = stack.iter().position(|x| x == w).unwrap_or(0);
                    return Some(stack[from..].to_vec());
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(v.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for v in graph.keys() {
        if state.get(v).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(graph, v, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

const CRATES: [&str; 7] =
    ["engine/src", "interop/src", "exam/src", "http/src", "src", "tools/load/src", "tools/fuzzing/src"];

#[test]
fn no_crate_has_an_import_cycle_among_its_files() {
    for dir in CRATES {
        let graph = edges(&super::root().join(dir));
        assert!(!graph.is_empty(), "{dir}: no modules found");
        if let Some(c) = cycle(&graph) {
            let names: Vec<String> = c.iter().map(|m| if m.is_empty() { "lib".into() } else { m.join("::") }).collect();
            panic!("{dir}: import cycle {}", names.join(" → "));
        }
    }
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(tmp.path().join("a")).expect("dir");
    std::fs::write(tmp.path().join("lib.rs"), "mod a;\nmod b;\n").expect("w");
    std::fs::write(tmp.path().join("a/mod.rs"), "mod c;\nuse crate::b::X;\npub use c::Y;\n").expect("w");
    std::fs::write(tmp.path().join("a/c.rs"), "use super::Z; // a parent-child cycle\n").expect("w");
    std::fs::write(tmp.path().join("b.rs"), "pub struct X;\n").expect("w");
    let c = cycle(&edges(tmp.path())).expect("a ↔ a::c is a cycle");
    assert_eq!(c.len(), 2, "{c:?}");
    std::fs::write(tmp.path().join("a/c.rs"), "use crate::b::X;\n").expect("w");
    assert_eq!(cycle(&edges(tmp.path())), None);
}

/// Every package the named package can reach in Cargo.lock (normal, build
/// and dev dependencies alike: a superset of what it builds with).
fn closure(package: &str) -> BTreeSet<String> {
    let lock = std::fs::read_to_string(super::root().join("Cargo.lock")).expect("Cargo.lock");
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for block in lock.split("[[package]]").skip(1) {
        let name = block.lines().find_map(|l| l.strip_prefix("name = \"")).map(|n| n.trim_end_matches('"').to_string());
        let list: Vec<String> = block
            .split("dependencies = [")
            .nth(1)
            .map(|d| d.split(']').next().unwrap_or(""))
            .unwrap_or("")
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"'))
            .map(|l| l.split([' ', '"']).next().unwrap_or("").to_string())
            .collect();
        if let Some(name) = name {
            deps.entry(name).or_default().extend(list);
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo = vec![package.to_string()];
    while let Some(p) = todo.pop() {
        if seen.insert(p.clone()) {
            todo.extend(deps.get(&p).cloned().unwrap_or_default());
        }
    }
    seen
}

#[test]
fn the_exam_service_knows_no_http_and_no_command_line() {
    let exam = closure("kaoshi-exam");
    assert!(exam.contains("sled") && exam.contains("kaoshi-engine"), "the closure is read: {exam:?}");
    for forbidden in ["axum", "hyper", "tower", "tower-http", "clap", "kaoshi-http"] {
        assert!(!exam.contains(forbidden), "kaoshi-exam reaches {forbidden}");
    }
    for pure in ["kaoshi-engine", "kaoshi-interop"] {
        let c = closure(pure);
        for forbidden in ["axum", "tokio", "sled", "clap", "hyper"] {
            assert!(!c.contains(forbidden), "{pure} reaches {forbidden}");
        }
    }
}

fn sources_naming(needle: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in CRATES {
        rust_files(&super::root().join(dir), &mut files);
    }
    files.into_iter().filter(|f| code(&std::fs::read_to_string(f).unwrap_or_default()).contains(needle)).collect()
}

#[test]
fn only_the_store_names_sled_and_only_the_http_crate_names_axum() {
    let root = super::root();
    for f in sources_naming("sled::") {
        assert!(f.starts_with(root.join("exam/src/store")), "{} uses sled outside the store", f.display());
    }
    for f in sources_naming("axum") {
        assert!(f.starts_with(root.join("http/src")), "{} uses axum outside the HTTP crate", f.display());
    }
}

#[test]
fn nothing_reaches_outside_the_repository() {
    let mut files = Vec::new();
    for dir in CRATES.iter().chain(&["tests", "engine/tests", "interop/tests", "benches", ".ci"]) {
        let p = super::root().join(dir);
        if p.is_dir() {
            rust_files(&p, &mut files);
        }
    }
    files.push(super::root().join(".ci/run"));
    files.push(super::root().join("README.md"));
    files.push(super::root().join("ARCHITECTURE.md"));
    let this = super::root().join("tests/it/architecture.rs");
    for f in files.into_iter().filter(|f| *f != this) {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!text.contains("../shared"), "{} refers to ../shared, which a clone does not have", f.display());
    }
}

#[test]
fn the_readme_documents_every_error_code() {
    let readme = std::fs::read_to_string(super::root().join("README.md")).expect("README");
    for code in kaoshi_exam::Code::ALL {
        assert!(
            readme.contains(&format!("| `{}` | {} |", code.as_str(), code.doc())),
            "README lacks error code {}",
            code.as_str()
        );
    }
}
