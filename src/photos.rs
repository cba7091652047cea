//! `kaoshi batch photos`: enrolment photos (登记照片) for a batch on a
//! running server, from a directory or a zip of JPEG/PNG files named by
//! ticket or identity number. The server checks each photo (one face, large
//! enough, in focus) and answers an outcome per file, printed here.

use crate::remote::Remote;
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `kaoshi batch photos`.
#[derive(Debug, clap::Args)]
pub struct PhotosArgs {
    /// The running server (the photos are checked with its face models).
    #[arg(long, value_name = "URL")]
    server: String,
    /// The batch.
    #[arg(long)]
    batch: String,
    /// A directory of photos (`T0001.jpg`, `340104199001015563.png`) or a zip of them.
    path: PathBuf,
}

/// The photos as one zip: a zip as it is, a directory's image files packed.
fn zip_of(path: &Path) -> Result<Vec<u8>> {
    if path.is_file() {
        return std::fs::read(path).with_context(|| format!("cannot read {}", path.display()));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot read the directory {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{}: no files in the directory", path.display());
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // Photos do not compress: stored as they are.
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for file in files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        zip.start_file(name, options)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Uploads the photos and prints one line per file; fails naming how many
/// were not stored (those stored stay).
pub fn run(a: PhotosArgs) -> Result<()> {
    let zip = zip_of(&a.path)?;
    let remote = Remote::connect(&a.server)?;
    let report = remote.upload(&format!("/api/admin/batches/{}/photos", a.batch), &zip)?;
    let photos = report["photos"].as_array().ok_or_else(|| anyhow!("the server's answer has no photos"))?;
    let mut refused = 0;
    for p in photos {
        let file = p["file"].as_str().unwrap_or("?");
        let ticket = p["ticket"].as_str().map(|t| format!(" ({t})")).unwrap_or_default();
        if p["ok"] == true {
            println!("{file}{ticket}: 已登记");
        } else {
            refused += 1;
            println!("{file}{ticket}: {}", p["error"].as_str().unwrap_or("未登记"));
        }
    }
    let missing = report["missing"].as_array().map_or(0, Vec::len);
    println!("已登记 {} 张；仍缺照片 {missing} 人", report["stored"]);
    if refused > 0 {
        bail!("{refused} 个文件未登记（见上）");
    }
    Ok(())
}
