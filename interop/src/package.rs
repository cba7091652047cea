//! IMS content packages: a zip (or a directory) with `imsmanifest.xml`
//! listing QTI item resources. Packages written by kaoshi also carry
//! `kaoshi/bank.toml` and `kaoshi/paper.toml`, so a round trip keeps the
//! blueprint.

use crate::draft::{Harvest, Location};
use crate::qti::{read_item, resource_meta, ItemMeta};
use crate::sheet::FileError;
use crate::xml;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Files of a package by path (forward slashes, relative to the package root).
pub type Files = BTreeMap<String, Vec<u8>>;

/// The manifest's file name.
pub const MANIFEST: &str = "imsmanifest.xml";
/// Where kaoshi keeps the blueprint inside a package.
pub const BLUEPRINT_PATH: &str = "kaoshi/bank.toml";
/// Where kaoshi keeps the paper spec inside a package.
pub const PAPER_PATH: &str = "kaoshi/paper.toml";

/// Most bytes a package may unpack to; a larger one is refused, not truncated.
pub const MAX_UNPACKED: u64 = 1 << 30;

/// Unpacks a zip into memory, refusing archives that unpack beyond [`MAX_UNPACKED`].
pub fn unzip(name: &str, bytes: &[u8]) -> Result<Files, FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| FileError::new(name, format!("not a zip archive: {e}")))?;
    let mut files = Files::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| FileError::new(name, format!("entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let path = entry.name().map_err(|e| FileError::new(name, format!("entry {i}: {e}")))?.replace('\\', "/");
        let budget = MAX_UNPACKED - total;
        // Sized from the declared length (capped: it may lie), so a package of
        // many small items does not hold a read buffer per file.
        let mut data = Vec::with_capacity(entry.size().min(budget).min(1 << 26) as usize);
        (&mut entry)
            .take(budget + 1)
            .read_to_end(&mut data)
            .map_err(|e| FileError::new(name, format!("{path}: cannot unpack: {e}")))?;
        total += data.len() as u64;
        if total > MAX_UNPACKED {
            return Err(FileError::new(name, format!("unpacks to more than {} MiB", MAX_UNPACKED >> 20)));
        }
        files.insert(path, data);
    }
    Ok(files)
}

/// Resolves `href` against the directory of `base` (both package paths).
fn resolve(base: &str, href: &str) -> String {
    let mut parts: Vec<&str> = base.rsplit_once('/').map(|(dir, _)| dir.split('/').collect()).unwrap_or_default();
    for seg in href.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Percent-decodes an href (`my%20item.xml`).
fn unescape_href(href: &str) -> String {
    let bytes = href.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| href.to_string())
}

/// UTF-8 text of a file (a BOM dropped), naming the file when it is not UTF-8.
pub(crate) fn text_of(label: &str, bytes: &[u8]) -> Result<String, FileError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    String::from_utf8(bytes.to_vec())
        .map_err(|e| FileError::new(label, format!("not UTF-8 (at byte {})", e.utf8_error().valid_up_to())))
}

/// Reads a package: every QTI item resource of its manifest (or, without a
/// manifest, every `.xml` file that is an assessment item).
pub fn read_package(name: &str, files: &Files) -> Result<Harvest, FileError> {
    let mut harvest = Harvest::default();
    let manifest_path =
        files.keys().filter(|p| p.rsplit('/').next() == Some(MANIFEST)).min_by_key(|p| p.matches('/').count()).cloned();
    let label = |p: &str| format!("{name}/{p}");
    for (path, slot) in [(BLUEPRINT_PATH, &mut harvest.blueprint), (PAPER_PATH, &mut harvest.paper)] {
        let prefix = manifest_path.as_deref().map(|m| resolve(m, path)).unwrap_or(path.to_string());
        if let Some(bytes) = files.get(&prefix) {
            *slot = Some(text_of(&label(&prefix), bytes)?);
        }
    }
    let Some(manifest_path) = manifest_path else {
        harvest.note(Location::new(name, None), format!("no {MANIFEST}: every .xml file was read as an item"));
        for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".xml")) {
            let text = text_of(&label(path), bytes)?;
            harvest.absorb(read_item(&label(path), &text, &ItemMeta::default()));
        }
        return Ok(harvest);
    };
    let manifest_label = label(&manifest_path);
    let text = text_of(&manifest_label, &files[&manifest_path])?;
    let manifest = xml::parse_data(&text)
        .map_err(|e| FileError::new(&manifest_label, format!("line {}: {}", e.line, e.message)))?;
    let resources = manifest.child("resources").map(|r| r.children_named("resource").collect::<Vec<_>>());
    // Each resource becomes a piece of the harvest; items are parsed in
    // parallel and the pieces joined in manifest order.
    enum Piece<'a> {
        Done(Harvest),
        Item { label: String, location: Location, bytes: &'a [u8], meta: ItemMeta },
    }
    let mut pieces = Vec::new();
    for resource in resources.unwrap_or_default() {
        let kind = resource.attr("type").unwrap_or("");
        let ident = resource.attr("identifier").unwrap_or("");
        let location = Location::new(&manifest_label, Some(resource.line)).labelled(ident);
        let mut alone = Harvest::default();
        if kind.contains("imsqti_test") {
            alone.note(location, "assessment test not imported: kaoshi assembles its own papers from the paper spec");
            pieces.push(Piece::Done(alone));
            continue;
        }
        if !kind.contains("imsqti_item") {
            continue; // media, stylesheets, kaoshi's blueprint: not items
        }
        let Some(href) = resource.attr("href") else {
            alone.skip(location, "item resource without href");
            pieces.push(Piece::Done(alone));
            continue;
        };
        let path = resolve(&manifest_path, &unescape_href(href));
        match files.get(&path) {
            Some(bytes) => {
                pieces.push(Piece::Item { label: label(&path), location, bytes, meta: resource_meta(resource) })
            }
            None => {
                alone.skip(location, format!("item file `{path}` is not in the package"));
                pieces.push(Piece::Done(alone));
            }
        }
    }
    let harvests: Vec<Harvest> = pieces
        .into_par_iter()
        .map(|piece| match piece {
            Piece::Done(h) => h,
            Piece::Item { label, location, bytes, meta } => match text_of(&label, bytes) {
                Ok(text) => read_item(&label, &text, &meta),
                Err(e) => {
                    let mut h = Harvest::default();
                    h.skip(location, e.message);
                    h
                }
            },
        })
        .collect();
    for h in harvests {
        harvest.absorb(h);
    }
    Ok(harvest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs() {
        assert_eq!(resolve("imsmanifest.xml", "items/a.xml"), "items/a.xml");
        assert_eq!(resolve("pkg/imsmanifest.xml", "./items/../b.xml"), "pkg/b.xml");
        assert_eq!(unescape_href("my%20item.xml"), "my item.xml");
        assert_eq!(unescape_href("100%"), "100%");
    }
}
