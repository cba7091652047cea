//! `kaoshi staff add|disable|enable`: staff accounts in a data directory
//! (the server stopped). Any change to an account ends its sessions.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use kaoshi_exam::admin::add_staff;
use kaoshi_exam::clock::{Clock, SystemClock};
use kaoshi_exam::events::Actor;
use kaoshi_exam::log::EventLog;
use kaoshi_exam::staff::{new_staff, Role};
use std::path::PathBuf;

/// `kaoshi staff …`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add (or replace) a staff account; the password comes from an environment variable.
    Add(AddArgs),
    /// Disable an account: it cannot log in and its sessions end.
    Disable(UserArgs),
    /// Enable a disabled account again.
    Enable(UserArgs),
}

/// `kaoshi staff disable|enable`.
#[derive(Debug, clap::Args)]
pub struct UserArgs {
    /// Data directory.
    #[arg(long, default_value = "./data")]
    data: PathBuf,
    /// A running server instead of the data directory.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// Login name.
    #[arg(long)]
    user: String,
}

/// `kaoshi staff add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Data directory.
    #[arg(long, default_value = "./data")]
    data: PathBuf,
    /// A running server instead of the data directory.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// Login name.
    #[arg(long)]
    user: String,
    /// admin, proctor, chief_proctor, marker, leader or auditor.
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
    /// A batch the person works on (repeatable); none: every batch.
    #[arg(long = "batch", value_name = "ID")]
    batches: Vec<String>,
    /// A room a proctor watches and acts in (repeatable); none: every room.
    #[arg(long = "room", value_name = "ROOM")]
    rooms: Vec<String>,
}

/// Runs `kaoshi staff …`.
pub fn run(cmd: StaffCommand) -> Result<()> {
    match cmd {
        StaffCommand::Add(a) => add(a),
        StaffCommand::Disable(a) => set_disabled(a, true),
        StaffCommand::Enable(a) => set_disabled(a, false),
    }
}

/// `kaoshi staff add --data DIR --user U --role R --password-env VAR [--organisation O] [--relation TICKET]… [--batch ID]…`.
fn add(a: AddArgs) -> Result<()> {
    let role = Role::from_name(&a.role)?;
    let password =
        std::env::var(&a.password_env).map_err(|_| anyhow!("environment variable {} is not set", a.password_env))?;
    if let Some(server) = &a.server {
        let body = serde_json::json!({
            "user": a.user, "role": a.role, "password": password, "organisation": a.organisation,
            "relations": a.relations, "batches": a.batches, "rooms": a.rooms,
        });
        crate::remote::Remote::connect(server)?.post("/api/admin/staff", &body)?;
        println!("added {role} {}", a.user);
        return Ok(());
    }
    let mut staff = new_staff(&a.user, role, &password, a.organisation.as_deref(), &a.relations)?;
    staff.batches = a.batches.clone();
    staff.rooms = a.rooms.clone();
    let store = crate::remote::open_store(&a.data)?;
    for b in &a.batches {
        if store.batch(b)?.is_none() {
            return Err(anyhow!("--batch {b}: no such batch in {}", a.data.display()));
        }
    }
    let log = EventLog::open(store.clone())?;
    add_staff(&store, &log, SystemClock::new().now_ms(), &Actor::Cli, &staff)?;
    store.flush()?;
    println!("added {role} {}", a.user);
    Ok(())
}

/// `kaoshi staff disable|enable --data DIR --user U`.
fn set_disabled(a: UserArgs, disabled: bool) -> Result<()> {
    if let Some(server) = &a.server {
        let action = if disabled { "disable" } else { "enable" };
        crate::remote::Remote::connect(server)?
            .post(&format!("/api/admin/staff/{}/{action}", a.user), &serde_json::json!({}))?;
        println!("{action}d {}", a.user);
        return Ok(());
    }
    let store = crate::remote::open_store(&a.data)?;
    let log = EventLog::open(store.clone())?;
    kaoshi_exam::admin::set_staff_disabled(&store, &log, SystemClock::new().now_ms(), &Actor::Cli, &a.user, disabled)?;
    store.flush()?;
    println!("{} {}", if disabled { "disabled" } else { "enabled" }, a.user);
    Ok(())
}
