//! The vault's error type.
//!
//! Every message is written for the person at the keyboard and says what to do next. None of
//! them ever carries key material, plaintext or envelope bytes: slots are named by
//! `table/row/kind`, keychain failures by the platform's own reason.

use std::fmt;

use crate::KeySourceKind;

/// What went wrong in the vault.
///
/// `Display` and `Error` are written by hand rather than derived with `thiserror`: `thiserror`
/// treats any field called `source` as the error's cause, and [`VaultError::WrongKey`]'s
/// `source` is the key source, not a cause.
#[derive(Debug)]
pub enum VaultError {
    /// The OS keychain cannot be used (no Secret Service, a locked or missing login keyring, or
    /// keyring built without a platform store). `detail` is the platform's reason.
    KeychainUnavailable {
        /// The platform's reason, e.g. the D-Bus error text.
        detail: String,
    },
    /// The header says the key is in the keychain, but the keychain no longer has it (wiped,
    /// new user account, restored database on another machine). The stored secrets are lost;
    /// the banks have to be reconnected.
    KeyMissing,
    /// The canary does not open: the keychain entry was replaced, or the passphrase is wrong.
    WrongKey {
        /// Where the key that failed came from.
        source: KeySourceKind,
    },
    /// An envelope failed authentication: it was changed, truncated, or copied from another
    /// row or kind.
    Tampered {
        /// The slot as `table/row/kind`.
        slot: String,
    },
    /// The bytes are not a Coffer envelope, or use an envelope version this build does not know.
    BadEnvelope {
        /// The slot as `table/row/kind`.
        slot: String,
        /// What is wrong with the framing (never the bytes themselves).
        detail: String,
    },
    /// The keychain answered, but with something unusable (an ambiguous match, a rejected
    /// attribute, a stored value that is not a Coffer key).
    Keychain {
        /// What the keychain reported.
        detail: String,
    },
    /// The passphrase is unusable, the header lacks its salt, or the profile was set up with
    /// the other key source.
    Passphrase {
        /// What is wrong.
        detail: String,
    },
}

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VaultError::KeychainUnavailable { detail } => write!(
                f,
                "the OS keychain is not available ({detail}); start a Secret Service provider \
                 (for example gnome-keyring or KeePassXC in a D-Bus session), or set \
                 COFFER_PASSPHRASE to derive the key from a passphrase instead"
            ),
            VaultError::KeyMissing => f.write_str(
                "this profile's key is no longer in the OS keychain, so its stored bank \
                 credentials cannot be decrypted; reconnect your banks",
            ),
            VaultError::WrongKey {
                source: KeySourceKind::Keychain,
            } => f.write_str(
                "the key in the OS keychain does not belong to this profile (the entry was \
                 replaced), so its stored bank credentials cannot be decrypted; reconnect your \
                 banks",
            ),
            VaultError::WrongKey {
                source: KeySourceKind::Passphrase,
            } => f.write_str("wrong passphrase for this profile (COFFER_PASSPHRASE)"),
            VaultError::Tampered { slot } => write!(
                f,
                "the stored secret {slot} failed authentication: it was changed, truncated or \
                 copied from another row; reconnect the affected bank"
            ),
            VaultError::BadEnvelope { slot, detail } => {
                write!(
                    f,
                    "the stored secret {slot} is not a readable Coffer envelope: {detail}"
                )
            }
            VaultError::Keychain { detail } => write!(f, "OS keychain error: {detail}"),
            VaultError::Passphrase { detail } => write!(f, "passphrase: {detail}"),
        }
    }
}

impl std::error::Error for VaultError {}

impl VaultError {
    /// A keyring failure seen by an ordinary keychain call (not the self-test): "cannot reach
    /// the store" becomes [`VaultError::KeychainUnavailable`], anything else
    /// [`VaultError::Keychain`]. `NoEntry` is handled by the callers before this.
    pub(crate) fn from_keyring(err: &keyring::Error) -> VaultError {
        match err {
            keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
                VaultError::KeychainUnavailable {
                    detail: err.to_string(),
                }
            }
            // keyring's own Display for `Ambiguous` lists the matching credentials; a count is
            // enough here.
            keyring::Error::Ambiguous(items) => VaultError::Keychain {
                detail: format!("{} keychain entries match this profile", items.len()),
            },
            // `BadEncoding` carries the stored bytes; only say what it is.
            keyring::Error::BadEncoding(_) => VaultError::Keychain {
                detail: "the keychain entry is not in the expected encoding".to_owned(),
            },
            other => VaultError::Keychain {
                detail: other.to_string(),
            },
        }
    }
}
