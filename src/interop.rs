//! `kaoshi bank import` and `kaoshi bank export`: the file-system side of
//! kaoshi-interop (reading inputs, writing the source directory, the
//! package and the report).

use crate::bank_files::{load_bank, write_source_dir};
use crate::keys::KeyArgs;
use anyhow::{anyhow, bail, Context, Result};
use kaoshi_exam::durable_file::write_atomic;
use kaoshi_interop::{build, Files, Format, Imported, Input, Options};
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};

/// Most bytes read from an input directory; a larger one is refused.
const MAX_INPUT_BYTES: u64 = 1 << 30;

/// `kaoshi bank import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Source format: xlsx (also xls, ods), csv, qti (item, package zip or directory), moodle-xml, gift.
    #[arg(long = "from", value_name = "FORMAT", value_parser = parse_format)]
    format: Format,
    /// The file (or directory) to import.
    path: PathBuf,
    /// Source directory to create.
    #[arg(short = 'o', value_name = "DIR")]
    output: PathBuf,
    /// Place items on this blueprint's evaluation points instead of drafting one.
    #[arg(long, value_name = "bank.toml")]
    blueprint: Option<PathBuf>,
    /// Evaluation point (code or name) for items whose source names none.
    #[arg(long, value_name = "CODE")]
    point: Option<String>,
    /// Also write the import report as JSON here.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write nothing and fail if any entry of the input cannot be imported.
    #[arg(long)]
    strict: bool,
}

/// `kaoshi bank export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Bank: a source directory or a .kbank.
    bank: PathBuf,
    /// Target format (qti: QTI 3.0 content package).
    #[arg(long, value_name = "FORMAT", value_parser = ["qti"])]
    to: String,
    /// PACKAGE.zip, or a new directory for the unpacked package.
    #[arg(short = 'o', value_name = "PACKAGE.zip")]
    output: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format `{s}` (expected one of: {})", names.join(", "))
    })
}

/// `kaoshi bank import --from FORMAT PATH -o DIR [--blueprint bank.toml] [--point CODE] [--report FILE] [--strict]`.
pub fn import(args: &ImportArgs) -> Result<()> {
    let (format, path, output) = (args.format, args.path.as_path(), args.output.as_path());
    let (blueprint, point, report, strict) =
        (args.blueprint.as_deref(), args.point.as_deref(), args.report.as_deref(), args.strict);
    let input = read_input(format, path)?;
    let mut harvest = kaoshi_interop::read(format, &input).map_err(|e| anyhow!("{e}"))?;
    let blueprint = match blueprint {
        Some(p) => {
            // The blueprint's own bank directory usually holds the paper spec too.
            let paper = p.with_file_name(kaoshi_engine::spec::PAPER_FILE);
            if harvest.paper.is_none() && paper.is_file() {
                let text = fs::read_to_string(&paper).with_context(|| format!("cannot read {}", paper.display()))?;
                println!("using the paper spec {} next to the blueprint", paper.display());
                harvest.paper = Some(text);
            }
            Some(fs::read_to_string(p).with_context(|| format!("cannot read blueprint {}", p.display()))?)
        }
        None => None,
    };
    let options = Options {
        blueprint,
        default_point: point.map(str::to_string),
        bank_id: bank_id(output),
        source_name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    let imported = match build(harvest, &options) {
        Ok(imported) => imported,
        Err(kaoshi_interop::BuildError::Nothing { skipped }) => {
            for s in &skipped {
                println!("skipped {}: {}", s.location, s.reason);
            }
            bail!(
                "nothing imported from {}: all {} entries were skipped (reasons above)",
                path.display(),
                skipped.len()
            );
        }
        Err(e) => bail!("{e}"),
    };
    for s in &imported.skipped {
        println!("skipped {}: {}", s.location, s.reason);
    }
    if strict && !imported.skipped.is_empty() {
        bail!(
            "{} entries of {} could not be imported (reasons above); nothing written (--strict)",
            imported.skipped.len(),
            path.display()
        );
    }
    write_source_dir(output, &imported.source)?;
    for n in &imported.notes {
        println!("note {}: {}", n.location, n.message);
    }
    if let Some(report_path) = report {
        let text = serde_json::to_string_pretty(&report_json(format, path, output, &imported))?;
        write_atomic(report_path, format!("{text}\n").as_bytes())?;
    }
    let counts: Vec<String> = imported.counts().iter().map(|(t, n)| format!("{t} {n}")).collect();
    println!(
        "imported {} items ({}) from {} into {}; {} skipped, {} notes",
        imported.source.bank.items.len(),
        counts.join(", "),
        path.display(),
        output.display(),
        imported.skipped.len(),
        imported.notes.len()
    );
    if imported.drafted_blueprint {
        println!(
            "bank.toml is a draft (modules from the source's categories, weights by item share, occupation 0-00-00-00): \
             edit it to the occupational standard, or import again with --blueprint"
        );
    }
    Ok(())
}

/// The `--report` document (documented in the README).
fn report_json(format: Format, path: &Path, output: &Path, imported: &Imported) -> serde_json::Value {
    let place = |l: &kaoshi_interop::Location| json!({"file": l.file, "line": l.line, "label": l.label});
    json!({
        "format": format.name(),
        "input": path.display().to_string(),
        "output": output.display().to_string(),
        "bank": imported.source.bank.meta.id,
        "bank_hash": kaoshi_engine::BankHash::of(&imported.source.bank).to_hex(),
        "drafted_blueprint": imported.drafted_blueprint,
        "imported": imported.counts().iter().map(|(t, n)| (t.code().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "skipped": imported.skipped.iter().map(|s| json!({"at": place(&s.location), "reason": s.reason})).collect::<Vec<_>>(),
        "notes": imported.notes.iter().map(|n| json!({"at": place(&n.location), "message": n.message})).collect::<Vec<_>>(),
    })
}

/// A bank id from the output directory's name: `[a-z0-9-]`, never empty.
fn bank_id(output: &Path) -> String {
    let name = output.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let id: String = name.chars().map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' }).collect();
    let id = id.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if id.is_empty() {
        "imported".into()
    } else {
        id
    }
}

/// Reads PATH: a file, or a directory (every file below it, for packages and
/// directories of files). `imsmanifest.xml` itself stands for its package.
fn read_input(format: Format, path: &Path) -> Result<Input> {
    let name = path.display().to_string();
    if path.is_dir() || (format == Format::Qti && path.file_name().is_some_and(|n| n == "imsmanifest.xml")) {
        let root =
            if path.is_dir() { path.to_path_buf() } else { path.parent().unwrap_or(Path::new(".")).to_path_buf() };
        let mut files = Files::new();
        let mut total = 0u64;
        collect(&root, &root, &mut files, &mut total)?;
        let name = root.display().to_string();
        return Ok(Input::Dir { name, files });
    }
    let bytes = fs::read(path).with_context(|| format!("cannot read {name}"))?;
    Ok(Input::File { name, bytes })
}

fn collect(root: &Path, dir: &Path, files: &mut Files, total: &mut u64) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(root, &p, files, total)?;
        } else {
            let bytes = fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
            *total += bytes.len() as u64;
            if *total > MAX_INPUT_BYTES {
                bail!("{} holds more than {} MiB", root.display(), MAX_INPUT_BYTES >> 20);
            }
            let rel = p.strip_prefix(root).unwrap_or(&p);
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.insert(rel, bytes);
        }
    }
    Ok(())
}

/// `kaoshi bank export BANK --to qti -o PACKAGE.zip|DIR`.
pub fn export(args: &ExportArgs) -> Result<()> {
    if args.to != "qti" {
        bail!("--to {}: only qti (a QTI 3.0 content package) is written", args.to);
    }
    let output = args.output.as_path();
    let source = load_bank(&args.bank, &args.key)?;
    let is_zip = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if is_zip {
        if output.exists() {
            bail!("{} already exists: choose a new file", output.display());
        }
        let bytes = kaoshi_interop::qti_export::package_zip(&source).context("cannot build the package")?;
        write_atomic(output, &bytes)?;
    } else {
        if output.exists() && fs::read_dir(output).map(|mut d| d.next().is_some()).unwrap_or(true) {
            bail!("{} is not an empty directory: choose a new one (or a .zip file)", output.display());
        }
        for (rel, bytes) in kaoshi_interop::qti_export::package_files(&source) {
            let path = output.join(&rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            write_atomic(&path, &bytes)?;
        }
    }
    println!(
        "exported {} items of {} v{} as a QTI 3.0 content package to {}",
        source.bank.items.len(),
        source.bank.meta.id,
        source.bank.meta.version,
        output.display()
    );
    Ok(())
}
