//! The organisation's key as the server holds it: a key file's key or a
//! passphrase, zeroised on drop. Banks are sealed under it and the personal
//! data key is wrapped by it; a running server keeps it to open banks
//! uploaded while it runs.

use kaoshi_engine::seal::{Argon2Params, Kek, Lock, Unlock};
use zeroize::Zeroizing;

/// A loaded key or passphrase.
pub enum OrgKey {
    /// From a key file.
    Key(Kek),
    /// From a passphrase.
    Passphrase(Zeroizing<Vec<u8>>),
}

impl OrgKey {
    /// As an unlock for opening.
    pub fn unlock(&self) -> Unlock<'_> {
        match self {
            OrgKey::Key(k) => Unlock::Key(k),
            OrgKey::Passphrase(p) => Unlock::Passphrase(p),
        }
    }

    /// As a lock for sealing, with the default Argon2id costs.
    pub fn lock(&self) -> Lock<'_> {
        match self {
            OrgKey::Key(k) => Lock::Key(k),
            OrgKey::Passphrase(p) => Lock::Passphrase { passphrase: p, params: Argon2Params::default() },
        }
    }
}

impl std::fmt::Debug for OrgKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrgKey::Key(k) => write!(f, "OrgKey::Key({})", k.id()),
            OrgKey::Passphrase(_) => f.write_str("OrgKey::Passphrase(…)"),
        }
    }
}
