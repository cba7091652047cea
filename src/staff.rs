//! `kaoshi staff add`: a staff account in a data directory (the server stopped).

use anyhow::{anyhow, Result};
use clap::Subcommand;
use kaoshi_exam::admin::add_staff;
use kaoshi_exam::clock::{Clock, SystemClock};
use kaoshi_exam::events::Actor;
use kaoshi_exam::log::EventLog;
use kaoshi_exam::staff::{new_staff, Role};
use kaoshi_exam::store::Store;
use std::path::PathBuf;

/// `kaoshi staff …`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add (or replace) a staff account; the password comes from an environment variable.
    Add(AddArgs),
}

/// `kaoshi staff add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
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
}

/// Runs `kaoshi staff …`.
pub fn run(cmd: StaffCommand) -> Result<()> {
    match cmd {
        StaffCommand::Add(a) => add(a),
    }
}

/// `kaoshi staff add --data DIR --user U --role R --password-env VAR [--organisation O] [--relation TICKET]…`.
fn add(a: AddArgs) -> Result<()> {
    let role = Role::from_name(&a.role)?;
    let password =
        std::env::var(&a.password_env).map_err(|_| anyhow!("environment variable {} is not set", a.password_env))?;
    let staff = new_staff(&a.user, role, &password, a.organisation.as_deref(), &a.relations)?;
    let store = Store::open(&a.data)?;
    let log = EventLog::open(store.clone())?;
    add_staff(&store, &log, SystemClock::new().now_ms(), &Actor::Cli, &staff)?;
    store.flush()?;
    println!("added {role} {}", a.user);
    Ok(())
}
