//! The `kaoshi` command line: definitions and dispatch, no logic of its own.

use crate::bank_cmd;
use crate::keys::KeyArgs;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// kaoshi — computer-based exams for vocational skill-level certification.
#[derive(Debug, Parser)]
#[command(name = "kaoshi", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a new random 32-byte key file.
    Keygen {
        /// Where to write the key (never overwritten).
        #[arg(short = 'o', value_name = "FILE")]
        output: PathBuf,
    },
    /// Question banks: check, seal, open, rekey, synthesise.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Run the exam server (seat pages, proctor console, APIs).
    Serve {
        /// Data directory (the embedded store).
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Create (once) and serve a demo batch of 30 candidates.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Exam batches.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// Staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// The tamper-evident event log.
    #[command(subcommand)]
    Log(LogCommand),
    /// Audits for bureaus.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Batch archives kept for years.
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// Score objective items: papers.jsonl + responses.jsonl → results.jsonl.
    Grade {
        /// A source directory or a sealed .kbank file.
        #[arg(long)]
        bank: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// Paper spec instead of the bank's paper.toml.
        #[arg(long, value_name = "paper.toml")]
        spec: Option<PathBuf>,
        /// papers.jsonl from `kaoshi assemble`.
        #[arg(long)]
        papers: PathBuf,
        /// responses.jsonl: {"index", "responses": [...]} per line.
        #[arg(long)]
        responses: PathBuf,
        /// Where to write results.jsonl.
        #[arg(short = 'o', value_name = "results.jsonl")]
        output: PathBuf,
    },
    /// Assemble one paper per candidate and write papers.jsonl.
    Assemble {
        /// A source directory or a sealed .kbank file.
        bank: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// Paper spec to use instead of the bank's paper.toml.
        #[arg(long, value_name = "paper.toml")]
        spec: Option<PathBuf>,
        /// Number of papers (candidates).
        #[arg(long)]
        count: u64,
        /// Batch seed: the same bank, spec and seed give the same papers.
        #[arg(long)]
        seed: u64,
        /// Where to write papers.jsonl.
        #[arg(short = 'o', value_name = "papers.jsonl")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum BatchCommand {
    /// Create a batch: store the bank sealed, assemble a paper per candidate.
    Create {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// Bank: a source directory (sealed with the key for storage) or a .kbank.
        #[arg(long)]
        bank: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// roster.csv: ticket,id_number,name,organisation,room,seat.
        #[arg(long)]
        roster: PathBuf,
        /// Batch name.
        #[arg(long)]
        name: String,
        /// Start time, RFC 3339 (2026-12-01T09:00:00+08:00).
        #[arg(long)]
        start: String,
        /// Assembly seed.
        #[arg(long)]
        seed: u64,
        /// Batch id ([a-z0-9-]); default from the current time.
        #[arg(long)]
        id: Option<String>,
        /// Paper spec instead of the bank's paper.toml.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Exam time in seconds instead of the spec's duration (drills, tests).
        #[arg(long)]
        duration_seconds: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
enum ArchiveCommand {
    /// Write one file with everything about a batch and a manifest of hashes.
    Export {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// Batch id.
        #[arg(long)]
        batch: String,
        /// The archive file.
        #[arg(short = 'o', value_name = "FILE")]
        output: PathBuf,
    },
    /// Check an archive's hashes and event chain; with the key, re-grade it.
    Verify {
        /// The archive file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Bank coverage against the standard and the paper spec.
    Coverage {
        /// A source directory or a sealed .kbank file.
        bank: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// Paper spec instead of the bank's paper.toml.
        #[arg(long, value_name = "paper.toml")]
        spec: Option<PathBuf>,
        /// Print the report as JSON (documented in the README).
        #[arg(long)]
        json: bool,
        /// Also write a self-contained HTML report with charts.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// A cell is thin below this many times what one paper draws.
        #[arg(long, default_value_t = 5.0)]
        thin_factor: f64,
        /// Papers in the trial batch used for the exposure figures (0: none).
        #[arg(long, default_value_t = 1000)]
        papers: u64,
    },
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// Re-walk the hash chain and name the first broken record.
    Verify {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// A head hash held from an earlier checkpoint: it must be on the chain.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Take a checkpoint of the chain head and print it (to hand to an outsider).
    Head {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
    /// List the checkpoints taken.
    Checkpoints {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
    /// The bank-use ledger: who opened or exported which bank, when, why.
    Ledger {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add (or replace) a staff account; the password comes from an environment variable.
    Add {
        /// Data directory.
        #[arg(long, default_value = "./data")]
        data: PathBuf,
        /// Login name.
        #[arg(long)]
        user: String,
        /// admin, proctor, marker, leader or auditor.
        #[arg(long)]
        role: String,
        /// Environment variable holding the password.
        #[arg(long, value_name = "VAR")]
        password_env: String,
        /// Organisation (a marker never marks its candidates).
        #[arg(long)]
        organisation: Option<String>,
        /// Ticket of a candidate the person is related to (repeatable): recusal.
        #[arg(long = "relation", value_name = "TICKET")]
        relations: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum BankCommand {
    /// Validate a source directory and report every problem.
    Check {
        /// Source directory (bank.toml, paper.toml, items.jsonl).
        dir: PathBuf,
    },
    /// Encrypt a source directory into a sealed .kbank file.
    Seal {
        /// Source directory.
        dir: PathBuf,
        /// The sealed file to write.
        #[arg(short = 'o', value_name = "FILE.kbank")]
        output: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Authenticate and decrypt a sealed bank; optionally export it as a source directory.
    Open {
        /// The sealed file.
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// Write the plaintext source directory here.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
    },
    /// Rewrap a sealed bank's data key under a new key without re-encrypting it.
    Rekey {
        /// The sealed file (rewritten in place, atomically).
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// The new key file.
        #[arg(long, value_name = "NEW")]
        new_key_file: Option<PathBuf>,
        /// Environment variable holding the new passphrase.
        #[arg(long, value_name = "VAR", conflicts_with = "new_key_file")]
        new_passphrase_env: Option<String>,
    },
    /// Import a bank from a spreadsheet, QTI, Moodle XML or GIFT into a new source directory.
    Import {
        /// Source format: xlsx (also xls, ods), csv, qti (item, package zip or directory), moodle-xml, gift.
        #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
        from: kaoshi_interop::Format,
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
    },
    /// Export a bank as an IMS QTI 3.0 content package (.zip, or a directory).
    Export {
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
    },
    /// Write a deterministic synthetic bank for scale tests.
    Synth {
        /// Directory to create.
        #[arg(short = 'o', value_name = "DIR")]
        output: PathBuf,
        /// Number of items.
        #[arg(long)]
        items: usize,
        /// Number of modules.
        #[arg(long, default_value_t = 6)]
        modules: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn parse_format(s: &str) -> Result<kaoshi_interop::Format, String> {
    kaoshi_interop::Format::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = kaoshi_interop::Format::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format `{s}` (expected one of: {})", names.join(", "))
    })
}

/// Runs the command line; prints a one-line `error: …` and fails on error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let text = format!("{e:#}").replace('\n', " ");
            eprintln!("error: {text}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Keygen { output } => bank_cmd::keygen(&output),
        Command::Audit(AuditCommand::Coverage { bank, key, spec, json, html, thin_factor, papers }) => {
            crate::audit_cmd::coverage(
                &bank,
                &key,
                spec.as_deref(),
                json,
                html.as_deref(),
                kaoshi_engine::audit::CoverageOptions { thin_factor, papers, seed: 1 },
            )
        }
        Command::Archive(ArchiveCommand::Export { data, batch, output }) => {
            crate::audit_cmd::archive_export(&data, &batch, &output)
        }
        Command::Archive(ArchiveCommand::Verify { file, key }) => crate::audit_cmd::archive_verify(&file, &key),
        Command::Log(LogCommand::Verify { data, head }) => crate::audit_cmd::log_verify(&data, head.as_deref()),
        Command::Log(LogCommand::Head { data }) => crate::audit_cmd::log_head(&data),
        Command::Log(LogCommand::Checkpoints { data }) => crate::audit_cmd::log_checkpoints(&data),
        Command::Log(LogCommand::Ledger { data }) => crate::audit_cmd::log_ledger(&data),
        Command::Grade { bank, key, spec, papers, responses, output } => {
            crate::grade_cmd::grade(&bank, &key, spec.as_deref(), &papers, &responses, &output)
        }
        Command::Serve { data, addr, demo, key } => crate::serve_cmd::serve(&data, &addr, demo, &key),
        Command::Batch(BatchCommand::Create {
            data,
            bank,
            key,
            roster,
            name,
            start,
            seed,
            id,
            spec,
            duration_seconds,
        }) => crate::serve_cmd::batch_create(crate::serve_cmd::BatchArgs {
            data: &data,
            bank: &bank,
            key: &key,
            roster: &roster,
            name: &name,
            start: &start,
            seed,
            id: id.as_deref(),
            spec: spec.as_deref(),
            duration_seconds,
        }),
        Command::Staff(StaffCommand::Add { data, user, role, password_env, organisation, relations }) => {
            crate::serve_cmd::staff_add(&data, &user, &role, &password_env, organisation.as_deref(), &relations)
        }
        Command::Assemble { bank, key, spec, count, seed, output } => {
            crate::assemble_cmd::assemble(&bank, &key, spec.as_deref(), count, seed, &output)
        }
        Command::Bank(cmd) => match cmd {
            BankCommand::Check { dir } => bank_cmd::check(&dir),
            BankCommand::Seal { dir, output, key } => bank_cmd::seal(&dir, &output, &key),
            BankCommand::Open { file, key, export } => bank_cmd::open(&file, &key, export.as_deref()),
            BankCommand::Rekey { file, key, new_key_file, new_passphrase_env } => {
                bank_cmd::rekey(&file, &key, new_key_file.as_deref(), new_passphrase_env.as_deref())
            }
            BankCommand::Synth { output, items, modules, seed } => bank_cmd::synth(&output, items, modules, seed),
            BankCommand::Import { from, path, output, blueprint, point, report, strict } => {
                let args = crate::interop_cmd::ImportArgs {
                    format: from,
                    path: &path,
                    output: &output,
                    blueprint: blueprint.as_deref(),
                    point: point.as_deref(),
                    report: report.as_deref(),
                    strict,
                };
                crate::interop_cmd::import(&args)
            }
            BankCommand::Export { bank, to: _, output, key } => crate::interop_cmd::export(&bank, &key, &output),
        },
    }
}
