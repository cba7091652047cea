//! The `kaoshi` command line: each subcommand is a module owning its
//! arguments; the rules live in the library crates beneath.

mod archive;
mod assemble;
mod audit;
mod bank;
mod bank_files;
mod batch;
mod calendar;
mod coverage_report;
mod demo;
mod face;
mod grade;
mod interop;
mod jsonl;
mod keys;
mod log;
mod papers;
mod photos;
mod progress;
mod remote;
mod serve;
mod staff;
mod tls;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// kaoshi — computer-based exams for vocational skill-level certification.
#[derive(Debug, Parser)]
#[command(name = "kaoshi", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a new random 32-byte key file.
    Keygen(bank::KeygenArgs),
    /// Question banks: check, seal, open, rekey, synthesise.
    #[command(subcommand)]
    Bank(bank::BankCommand),
    /// Run the exam server (seat pages, proctor console, APIs).
    Serve(serve::ServeArgs),
    /// Exam batches.
    #[command(subcommand)]
    Batch(batch::BatchCommand),
    /// Staff accounts.
    #[command(subcommand)]
    Staff(staff::StaffCommand),
    /// The tamper-evident event log.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Audits for bureaus.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Batch archives kept for years.
    #[command(subcommand)]
    Archive(archive::ArchiveCommand),
    /// Score objective items: papers.jsonl + responses.jsonl → results.jsonl.
    Grade(grade::GradeArgs),
    /// Assemble one paper per candidate and write papers.jsonl.
    Assemble(assemble::AssembleArgs),
    /// Working days by China's holiday arrangements (节假日与调休).
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// HTTPS for the exam LAN: a local certificate authority and server certificate.
    #[command(subcommand)]
    Tls(tls::TlsCommand),
    /// Face matching (人脸识别) on photos, with the server's models.
    #[command(subcommand)]
    Face(face::FaceCommand),
    /// Sign in to a running server and keep the token for `--server` commands.
    Login {
        /// The server, e.g. https://192.168.10.2:8443.
        #[arg(long)]
        server: String,
        /// User name (default: KAOSHI_USER); the password comes from KAOSHI_PASSWORD or standard input.
        #[arg(long)]
        user: Option<String>,
    },
}

/// Runs the command line; prints a one-line `error: …` and fails on error.
fn main() -> ExitCode {
    // Everything kaoshi writes — the store, keys, exports, archives — is the
    // organisation's alone: files 0600, directories 0700.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(a) => bank::keygen(a),
        Command::Bank(c) => bank::run(c),
        Command::Serve(a) => serve::run(a),
        Command::Batch(c) => batch::run(c),
        Command::Staff(c) => staff::run(c),
        Command::Log(c) => log::run(c),
        Command::Audit(c) => audit::run(c),
        Command::Archive(c) => archive::run(c),
        Command::Grade(a) => grade::run(a),
        Command::Assemble(a) => assemble::run(a),
        Command::Tls(c) => tls::run(c),
        Command::Calendar(c) => calendar::run(c),
        Command::Face(c) => face::run(c),
        Command::Login { server, user } => remote::login(&server, user.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let text = format!("{e:#}").replace('\n', " ");
            eprintln!("error: {text}");
            ExitCode::FAILURE
        }
    }
}
