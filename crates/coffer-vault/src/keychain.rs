//! The OS keychain, through `keyring` 3.
//!
//! Two `keyring` 3 traps shape this module:
//!
//! - Without a platform feature, `keyring` quietly uses its in-memory *mock* store, so a key
//!   "stored" there is gone when the process exits. Entries are therefore built from a
//!   credential builder this type holds (never the process-wide default, which anyone can
//!   replace with the mock), and [`Keychain::self_test`] refuses builders whose credentials do
//!   not outlive the process.
//! - The Secret Service is an RPC store and `keyring` warns against concurrent access, so all
//!   keychain calls in the process are serialised through one lock.
//!
//! On Linux the store is `keyring`'s `linux-native-sync-persistent` builder. In 3.6.3 that
//! builder hands out plain Secret Service credentials (no kernel-keyring cache in front), so a
//! keyring cleared from outside Coffer is seen at the next unlock; the keychain test checks
//! exactly that with `secret-tool clear`.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use keyring::credential::{CredentialBuilder, CredentialPersistence};
use keyring::Entry;
use rand::RngCore;
use tracing::debug;
use zeroize::Zeroizing;

use crate::VaultError;

/// The keychain service name production builds use.
pub const DEFAULT_SERVICE: &str = "coffer";

/// Length of every key this crate stores.
const KEY_LEN: usize = 32;

/// Serialises keychain access across the process (see the module docs).
static KEYCHAIN_LOCK: Mutex<()> = Mutex::new(());

fn keychain_lock() -> MutexGuard<'static, ()> {
    // The guarded data is `()`, so a panic in another holder leaves nothing inconsistent.
    KEYCHAIN_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One service name in the OS keychain. Each profile's key is an entry under it, with the
/// profile id as the account name.
#[derive(Clone)]
pub struct Keychain {
    service: String,
    builder: Arc<CredentialBuilder>,
}

impl fmt::Debug for Keychain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keychain")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

/// What a keychain entry held when read.
pub(crate) enum StoredKey {
    Key(Zeroizing<[u8; KEY_LEN]>),
    Missing,
    /// Something is stored, but it is not a 32-byte key; `usize` is its length.
    NotAKey(usize),
}

impl Keychain {
    /// The platform keychain under `service`. Production uses [`DEFAULT_SERVICE`]; tests and
    /// development builds use their own name so they never touch real keys.
    pub fn new(service: &str) -> Keychain {
        Keychain::with_builder(service, keyring::default::default_credential_builder())
    }

    /// A keychain backed by a specific `keyring` store; lets tests hand in the mock store.
    pub(crate) fn with_builder(service: &str, builder: Box<CredentialBuilder>) -> Keychain {
        Keychain {
            service: service.to_owned(),
            builder: Arc::from(builder),
        }
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Checks that the keychain really stores things: refuses `keyring`'s in-memory stores,
    /// then writes a random probe entry, reads it back, deletes it and checks it is gone.
    ///
    /// Every failure, whatever its cause, is [`VaultError::KeychainUnavailable`], whose message
    /// tells the user how to get a keychain or to use a passphrase instead.
    pub fn self_test(&self) -> Result<(), VaultError> {
        let unavailable = |detail: String| VaultError::KeychainUnavailable { detail };

        match self.builder.persistence() {
            CredentialPersistence::EntryOnly | CredentialPersistence::ProcessOnly => {
                return Err(unavailable(
                    "Coffer was built without a platform credential store (keyring's \
                     in-memory mock store would lose the key when Coffer exits)"
                        .to_owned(),
                ));
            }
            _ => {}
        }

        let mut probe_id = [0u8; 8];
        rand::rng().fill_bytes(&mut probe_id);
        let account = format!("coffer-self-test-{}", hex(&probe_id));
        let mut probe = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut probe);

        let _guard = keychain_lock();
        let entry = self
            .raw_entry(&account)
            .map_err(|err| unavailable(err.to_string()))?;
        entry
            .set_secret(&probe)
            .map_err(|err| unavailable(format!("storing a test entry failed: {err}")))?;
        let read = entry.get_secret().map(Zeroizing::new);
        // Delete before judging the read, so a failed read does not leave the probe behind.
        let deleted = entry.delete_credential();
        let read =
            read.map_err(|err| unavailable(format!("reading a test entry back failed: {err}")))?;
        if read.as_slice() != probe.as_slice() {
            return Err(unavailable(
                "the keychain returned something other than what was stored".to_owned(),
            ));
        }
        deleted.map_err(|err| unavailable(format!("deleting a test entry failed: {err}")))?;
        match entry.get_secret() {
            Err(keyring::Error::NoEntry) => {}
            Ok(_) => {
                return Err(unavailable(
                    "a deleted test entry could still be read".to_owned(),
                ))
            }
            Err(err) => {
                return Err(unavailable(format!(
                    "checking a deleted test entry failed: {err}"
                )))
            }
        }
        debug!(service = %self.service, "keychain self-test passed");
        Ok(())
    }

    /// The key stored for `profile`, or `None` if there is no entry.
    pub fn load_key(&self, profile: &str) -> Result<Option<Zeroizing<[u8; 32]>>, VaultError> {
        match self.load_stored(profile)? {
            StoredKey::Key(key) => Ok(Some(key)),
            StoredKey::Missing => Ok(None),
            StoredKey::NotAKey(len) => Err(VaultError::Keychain {
                detail: format!(
                    "the entry for this profile holds {len} bytes, not a {KEY_LEN}-byte Coffer key"
                ),
            }),
        }
    }

    pub(crate) fn load_stored(&self, profile: &str) -> Result<StoredKey, VaultError> {
        let _guard = keychain_lock();
        let entry = self.entry(profile)?;
        match entry.get_secret() {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                if bytes.len() != KEY_LEN {
                    return Ok(StoredKey::NotAKey(bytes.len()));
                }
                let mut key = Zeroizing::new([0u8; KEY_LEN]);
                key.copy_from_slice(&bytes);
                Ok(StoredKey::Key(key))
            }
            Err(keyring::Error::NoEntry) => Ok(StoredKey::Missing),
            Err(err) => Err(VaultError::from_keyring(&err)),
        }
    }

    /// Stores `key` (raw bytes, not a password string) as `profile`'s entry, replacing any
    /// existing one.
    pub fn store_key(&self, profile: &str, key: &[u8; 32]) -> Result<(), VaultError> {
        let _guard = keychain_lock();
        self.entry(profile)?
            .set_secret(key)
            .map_err(|err| VaultError::from_keyring(&err))
    }

    /// Deletes `profile`'s entry. Deleting an entry that does not exist succeeds.
    pub fn delete_key(&self, profile: &str) -> Result<(), VaultError> {
        let _guard = keychain_lock();
        match self.entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(VaultError::from_keyring(&err)),
        }
    }

    fn entry(&self, account: &str) -> Result<Entry, VaultError> {
        if account.is_empty() {
            // Some platforms treat an empty account as a wildcard.
            return Err(VaultError::Keychain {
                detail: "the profile id is empty".to_owned(),
            });
        }
        self.raw_entry(account)
            .map_err(|err| VaultError::from_keyring(&err))
    }

    fn raw_entry(&self, account: &str) -> keyring::Result<Entry> {
        self.builder
            .build(None, &self.service, account)
            .map(Entry::new_with_credential)
    }
}

/// Lower-case hex, for ids (never for secrets).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock_keychain() -> Keychain {
        Keychain::with_builder(
            "coffer-unit-test",
            keyring::mock::default_credential_builder(),
        )
    }

    #[test]
    fn self_test_refuses_the_mock_store() {
        let err = mock_keychain().self_test().unwrap_err();
        assert!(
            matches!(err, VaultError::KeychainUnavailable { .. }),
            "the in-memory mock store must never pass for a keychain: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("mock"), "{message}");
        assert!(message.contains("COFFER_PASSPHRASE"), "{message}");
    }

    #[test]
    fn empty_profile_is_rejected_before_reaching_the_store() {
        let err = mock_keychain().load_key("").unwrap_err();
        assert!(
            matches!(err, VaultError::Keychain { .. }),
            "an empty account could act as a wildcard: {err:?}"
        );
    }

    #[test]
    fn debug_names_the_service_only() {
        let debug = format!("{:?}", Keychain::new("coffer-debug-test"));
        assert_eq!(debug, "Keychain { service: \"coffer-debug-test\", .. }");
    }

    #[test]
    fn handles_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Keychain>();
        shareable::<crate::Vault>();
        shareable::<crate::KeySource>();
        shareable::<VaultError>();
    }

    #[test]
    fn hex_is_lower_case_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
