//! Key files and passphrases: reading, writing, and turning flags into locks.

use anyhow::{anyhow, bail, Context, Result};
use kaoshi_engine::seal::{Kek, KEY_LEN};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Where the key for a bank comes from, as given on the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct KeyArgs {
    /// A 32-byte key file (from `kaoshi keygen`).
    #[arg(long, value_name = "KEY")]
    pub key_file: Option<PathBuf>,
    /// Name of an environment variable holding a passphrase (Argon2id).
    #[arg(long, value_name = "VAR", conflicts_with = "key_file")]
    pub passphrase_env: Option<String>,
}

/// A loaded key or passphrase, zeroised on drop (the exam service's type).
pub type Secret = kaoshi_exam::org_key::OrgKey;

impl KeyArgs {
    /// The secret the flags name, or `None` when neither flag is given.
    pub fn load(&self) -> Result<Option<Secret>> {
        load(self.key_file.as_deref(), self.passphrase_env.as_deref())
    }

    /// The secret the flags name; an error saying what to give when absent.
    pub fn require(&self, purpose: &str) -> Result<Secret> {
        self.load()?.ok_or_else(|| anyhow!("{purpose} needs a key: give --key-file KEY or --passphrase-env VAR"))
    }
}

/// Loads a key file or a passphrase from the environment.
pub fn load(key_file: Option<&Path>, passphrase_env: Option<&str>) -> Result<Option<Secret>> {
    match (key_file, passphrase_env) {
        (Some(path), _) => Ok(Some(Secret::Key(read_key_file(path)?))),
        (None, Some(var)) => {
            let value = std::env::var_os(var).ok_or_else(|| anyhow!("environment variable {var} is not set"))?;
            let value = Zeroizing::new(value.into_encoded_bytes());
            if value.is_empty() {
                bail!("environment variable {var} is empty: a passphrase is required");
            }
            Ok(Some(Secret::Passphrase(value)))
        }
        (None, None) => Ok(None),
    }
}

/// Reads a key file: 32 raw bytes, or 64 hex digits and an optional newline.
pub fn read_key_file(path: &Path) -> Result<Kek> {
    let bytes =
        Zeroizing::new(std::fs::read(path).with_context(|| format!("cannot read key file {}", path.display()))?);
    let mut key = [0u8; KEY_LEN];
    if bytes.len() == KEY_LEN {
        key.copy_from_slice(&bytes);
        return Ok(Kek::from_bytes(key));
    }
    let text = bytes.trim_ascii_end();
    if text.len() == 2 * KEY_LEN && hex::decode_to_slice(text, &mut key).is_ok() {
        return Ok(Kek::from_bytes(key));
    }
    bail!(
        "key file {}: expected {KEY_LEN} bytes (or {} hex digits), found {} bytes",
        path.display(),
        2 * KEY_LEN,
        bytes.len()
    )
}

/// Writes a new key file readable only by its owner; never overwrites.
pub fn write_key_file(path: &Path, kek: &Kek) -> Result<()> {
    write_new_secret(path, kek.as_bytes())
}

/// Reads the organisation's signing key (`kaoshi keygen --signing`).
pub fn read_signing_key(path: &Path) -> Result<kaoshi_exam::signing::SigningKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read signing key {}", path.display()))?;
    kaoshi_exam::signing::SigningKey::from_file(&text).map_err(|e| anyhow!("signing key {}: {e}", path.display()))
}

/// Reads a public signing key (`….pub`, from `kaoshi keygen --signing`).
pub fn read_public_key(path: &Path) -> Result<kaoshi_exam::signing::PublicKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read public key {}", path.display()))?;
    kaoshi_exam::signing::PublicKey::from_file(&text).map_err(|e| anyhow!("public key {}: {e}", path.display()))
}

/// Writes a new secret file readable only by its owner; never overwrites.
pub fn write_new_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!(
                "{} already exists: kaoshi never overwrites a key (banks sealed with it would be lost)",
                path.display()
            )
        } else {
            anyhow!("cannot create key file {}: {e}", path.display())
        }
    })?;
    file.write_all(bytes)?;
    file.sync_all()?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    kaoshi_exam::durable_file::sync_dir(dir).with_context(|| format!("cannot sync {}", dir.display()))?;
    Ok(())
}
