//! Key sources, the vault header and the unlocked [`Vault`].

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use tracing::{info, warn};
use zeroize::{Zeroize, Zeroizing};

use crate::envelope::{self, Binding, SecretSlot};
use crate::keychain::{hex, Keychain, StoredKey};
use crate::passphrase::{derive_key, SALT_LEN};
use crate::VaultError;

/// The environment variable that switches a profile to a passphrase-derived key.
pub const PASSPHRASE_ENV: &str = "COFFER_PASSPHRASE";

/// The known plaintext inside every canary.
const CANARY_PLAINTEXT: &[u8] = b"coffer-vault canary v1";

/// How a profile's key is obtained; persisted (as text) in the vault header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySourceKind {
    /// A random key kept in the OS keychain.
    Keychain,
    /// A key derived from a passphrase with Argon2id.
    Passphrase,
}

impl KeySourceKind {
    /// The text stored in the header: `"keychain"` or `"passphrase"`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySourceKind::Keychain => "keychain",
            KeySourceKind::Passphrase => "passphrase",
        }
    }
}

impl fmt::Display for KeySourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A header's key source text was neither `"keychain"` nor `"passphrase"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key source {0:?} (expected \"keychain\" or \"passphrase\")")]
pub struct UnknownKeySource(pub String);

impl FromStr for KeySourceKind {
    type Err = UnknownKeySource;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "keychain" => Ok(KeySourceKind::Keychain),
            "passphrase" => Ok(KeySourceKind::Passphrase),
            other => Err(UnknownKeySource(other.to_owned())),
        }
    }
}

/// Where this run gets the profile key from.
#[derive(Debug)]
pub enum KeySource {
    /// The OS keychain.
    Keychain(Keychain),
    /// A passphrase (Argon2id with the salt from the header).
    Passphrase(SecretString),
}

impl KeySource {
    /// [`PASSPHRASE_ENV`] set and non-empty → [`KeySource::Passphrase`]; otherwise the OS
    /// keychain under `service`.
    pub fn from_env(service: &str) -> KeySource {
        KeySource::from_passphrase_var(service, std::env::var_os(PASSPHRASE_ENV))
    }

    /// [`KeySource::from_env`] with the variable's value passed in, so tests need not touch
    /// the process-global environment.
    pub(crate) fn from_passphrase_var(
        service: &str,
        value: Option<std::ffi::OsString>,
    ) -> KeySource {
        match value {
            Some(value) if !value.is_empty() => {
                let passphrase = match value.into_string() {
                    Ok(text) => text,
                    Err(raw) => {
                        // Deterministic, so the same bytes always derive the same key.
                        warn!("{PASSPHRASE_ENV} is not valid UTF-8; invalid bytes are replaced");
                        raw.to_string_lossy().into_owned()
                    }
                };
                KeySource::Passphrase(SecretString::from(passphrase))
            }
            _ => KeySource::Keychain(Keychain::new(service)),
        }
    }

    /// Which kind of source this is.
    pub fn kind(&self) -> KeySourceKind {
        match self {
            KeySource::Keychain(_) => KeySourceKind::Keychain,
            KeySource::Passphrase(_) => KeySourceKind::Passphrase,
        }
    }
}

/// Non-secret facts about a profile's vault, kept in SQLite (one row).
///
/// The canary is an envelope of a known plaintext sealed under the key and bound to the
/// profile id, so a wiped or replaced key (or a wrong passphrase) is detected at unlock time,
/// before anything is decrypted or, worse, re-encrypted under the wrong key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultHeader {
    /// A random id; also the keychain account name.
    pub profile: String,
    /// How the key is obtained.
    pub key_source: KeySourceKind,
    /// The Argon2id salt, for [`KeySourceKind::Passphrase`] only.
    pub salt: Option<Vec<u8>>,
    /// The canary envelope.
    pub canary: Vec<u8>,
}

/// An unlocked vault: the profile key, ready to seal and open envelopes.
///
/// The key is wiped when the vault is dropped and never printed.
pub struct Vault {
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault([redacted])")
    }
}

impl Vault {
    /// Sets up a new profile's key.
    ///
    /// - Keychain: runs [`Keychain::self_test`], generates a random 256-bit key, stores it
    ///   under a fresh random profile id and reads it back.
    /// - Passphrase: Argon2id(passphrase, fresh 16-byte salt; m = 19 MiB, t = 2, p = 1).
    ///
    /// Returns the vault and the header the caller must persist.
    pub fn create(source: &KeySource) -> Result<(Vault, VaultHeader), VaultError> {
        let mut id = [0u8; 16];
        rand::rng().fill_bytes(&mut id);
        let profile = hex(&id);

        let (key, salt) = match source {
            KeySource::Keychain(keychain) => {
                keychain.self_test()?;
                let mut key = Zeroizing::new([0u8; 32]);
                rand::rng().fill_bytes(key.as_mut_slice());
                keychain.store_key(&profile, &key)?;
                match keychain.load_stored(&profile)? {
                    StoredKey::Key(read) if *read == *key => {}
                    _ => {
                        // Do not leave a half-working entry behind; the store error is the
                        // one worth reporting.
                        let _ = keychain.delete_key(&profile);
                        return Err(VaultError::KeychainUnavailable {
                            detail: "the key read back from the keychain differs from the one \
                                     stored"
                                .to_owned(),
                        });
                    }
                }
                (key, None)
            }
            KeySource::Passphrase(passphrase) => {
                crate::passphrase::check_strength(passphrase)?;
                let mut salt = vec![0u8; SALT_LEN];
                rand::rng().fill_bytes(&mut salt);
                (derive_key(passphrase, &salt)?, Some(salt))
            }
        };

        let vault = Vault { key };
        let canary = envelope::seal(
            &vault.key,
            CANARY_PLAINTEXT,
            &Binding::Canary { profile: &profile },
        )?;
        info!(%profile, key_source = %source.kind(), "created vault");
        let header = VaultHeader {
            profile,
            key_source: source.kind(),
            salt,
            canary,
        };
        Ok((vault, header))
    }

    /// Unlocks an existing profile: loads (keychain) or derives (passphrase) the key and
    /// checks it against the header's canary.
    ///
    /// - [`VaultError::KeyMissing`]: the keychain no longer has this profile's key.
    /// - [`VaultError::WrongKey`]: the canary does not open (replaced entry, wrong passphrase).
    /// - [`VaultError::Passphrase`]: the source does not match the header's `key_source`, or
    ///   the header lacks its salt.
    pub fn unlock(source: &KeySource, header: &VaultHeader) -> Result<Vault, VaultError> {
        let key = match (source, header.key_source) {
            (KeySource::Keychain(keychain), KeySourceKind::Keychain) => {
                match keychain.load_stored(&header.profile)? {
                    StoredKey::Key(key) => key,
                    StoredKey::Missing => {
                        warn!(profile = %header.profile, "vault key missing from the keychain");
                        return Err(VaultError::KeyMissing);
                    }
                    StoredKey::NotAKey(_) => {
                        warn!(profile = %header.profile, "keychain entry is not a Coffer key");
                        return Err(VaultError::WrongKey {
                            source: KeySourceKind::Keychain,
                        });
                    }
                }
            }
            (KeySource::Passphrase(passphrase), KeySourceKind::Passphrase) => {
                let salt = header
                    .salt
                    .as_deref()
                    .ok_or_else(|| VaultError::Passphrase {
                        detail: "the vault header has no salt for this passphrase profile"
                            .to_owned(),
                    })?;
                derive_key(passphrase, salt)?
            }
            (KeySource::Passphrase(_), KeySourceKind::Keychain) => {
                return Err(VaultError::Passphrase {
                    detail: format!(
                        "this profile's key is in the OS keychain, but {PASSPHRASE_ENV} is set; \
                         unset it to use the keychain"
                    ),
                });
            }
            (KeySource::Keychain(_), KeySourceKind::Passphrase) => {
                return Err(VaultError::Passphrase {
                    detail: format!(
                        "this profile's key is derived from a passphrase; set {PASSPHRASE_ENV}"
                    ),
                });
            }
        };

        let vault = Vault { key };
        vault.check_canary(header)?;
        info!(profile = %header.profile, key_source = %header.key_source, "unlocked vault");
        Ok(vault)
    }

    fn check_canary(&self, header: &VaultHeader) -> Result<(), VaultError> {
        let binding = Binding::Canary {
            profile: &header.profile,
        };
        match envelope::open(&self.key, &header.canary, &binding) {
            Ok(plaintext) if plaintext.as_slice() == CANARY_PLAINTEXT => Ok(()),
            Ok(_) | Err(envelope::OpenFailure::Unauthentic) => {
                warn!(profile = %header.profile, key_source = %header.key_source,
                      "vault canary did not open");
                Err(VaultError::WrongKey {
                    source: header.key_source,
                })
            }
            Err(malformed) => Err(malformed.into_error(&binding)),
        }
    }

    /// Seals `plaintext` for `slot`: a versioned envelope with a random nonce, bound to the
    /// slot so it only opens there.
    pub fn seal(&self, plaintext: &[u8], slot: &SecretSlot<'_>) -> Result<Vec<u8>, VaultError> {
        envelope::seal(&self.key, plaintext, &Binding::Slot(slot))
    }

    /// Opens an envelope sealed for `slot`.
    ///
    /// [`VaultError::BadEnvelope`] if it is not a (known-version) envelope,
    /// [`VaultError::Tampered`] if it fails authentication (changed, truncated, or sealed for
    /// another slot).
    pub fn open(
        &self,
        envelope: &[u8],
        slot: &SecretSlot<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let binding = Binding::Slot(slot);
        envelope::open(&self.key, envelope, &binding)
            .map_err(|failure| failure.into_error(&binding))
    }

    /// [`Vault::seal`] for a text secret.
    pub fn seal_secret(
        &self,
        secret: &SecretString,
        slot: &SecretSlot<'_>,
    ) -> Result<Vec<u8>, VaultError> {
        self.seal(secret.expose_secret().as_bytes(), slot)
    }

    /// [`Vault::open`] for a text secret sealed with [`Vault::seal_secret`].
    pub fn open_secret(
        &self,
        envelope: &[u8],
        slot: &SecretSlot<'_>,
    ) -> Result<SecretString, VaultError> {
        let plaintext = self.open(envelope, slot)?;
        match std::str::from_utf8(&plaintext) {
            Ok(text) => Ok(SecretString::from(text)),
            Err(_) => Err(VaultError::BadEnvelope {
                slot: slot.to_string(),
                detail: "the sealed value is not UTF-8 text".to_owned(),
            }),
        }
    }

    /// A vault from raw key bytes (tests, and callers that manage the key themselves).
    pub fn from_key(mut key: [u8; 32]) -> Vault {
        let vault = Vault {
            key: Zeroizing::new(key),
        };
        key.zeroize();
        vault
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [0xA7; 32];
    const PLAINTEXT: &[u8] = b"rt-9f8e7d-refresh-token-plaintext";
    const SLOT: SecretSlot<'static> = SecretSlot {
        table: "connections",
        row: 42,
        kind: "refresh_token",
    };

    fn passphrase(text: &str) -> KeySource {
        KeySource::Passphrase(SecretString::from(text))
    }

    /// Every rendering of bytes that could leak through `{:?}` or a hex dump.
    fn renderings(bytes: &[u8]) -> Vec<String> {
        let mut out = vec![format!("{bytes:?}"), hex(bytes), hex(bytes).to_uppercase()];
        if let Ok(text) = std::str::from_utf8(bytes) {
            out.push(text.to_owned());
        }
        // A short run is enough to catch a partial dump.
        out.push(format!("{:?}", &bytes[..bytes.len().min(4)]));
        out.push(hex(&bytes[..bytes.len().min(4)]));
        out
    }

    fn assert_no_leak(text: &str, secret: &[u8], what: &str) {
        for rendering in renderings(secret) {
            assert!(
                !text.contains(&rendering),
                "{what} must not contain {rendering:?}: {text}"
            );
        }
    }

    #[test]
    fn seal_open_round_trip() {
        let vault = Vault::from_key(KEY);
        let envelope = vault.seal(PLAINTEXT, &SLOT).unwrap();
        assert_eq!(vault.open(&envelope, &SLOT).unwrap().as_slice(), PLAINTEXT);
        assert!(
            !envelope
                .windows(8)
                .any(|w| PLAINTEXT.windows(8).any(|p| p == w)),
            "the envelope does not contain the plaintext"
        );

        let empty = vault.seal(b"", &SLOT).unwrap();
        assert!(
            vault.open(&empty, &SLOT).unwrap().is_empty(),
            "empty secrets round-trip too"
        );

        let secret = SecretString::from("client-secret-ÆØÅ");
        let sealed = vault.seal_secret(&secret, &SLOT).unwrap();
        assert_eq!(
            vault.open_secret(&sealed, &SLOT).unwrap().expose_secret(),
            "client-secret-ÆØÅ"
        );
    }

    #[test]
    fn any_flipped_byte_after_the_version_is_tampered() {
        let vault = Vault::from_key(KEY);
        let envelope = vault.seal(PLAINTEXT, &SLOT).unwrap();
        // Nonce, ciphertext and tag are all authenticated.
        for index in 5..envelope.len() {
            let mut changed = envelope.clone();
            changed[index] ^= 0x01;
            let err = vault.open(&changed, &SLOT).unwrap_err();
            assert!(
                matches!(&err, VaultError::Tampered { slot } if slot == "connections/42/refresh_token"),
                "byte {index} flipped must fail authentication and name the slot: {err:?}"
            );
        }
    }

    #[test]
    fn envelope_under_another_slot_is_tampered() {
        let vault = Vault::from_key(KEY);
        let envelope = vault.seal(PLAINTEXT, &SLOT).unwrap();
        let others = [
            SecretSlot { row: 43, ..SLOT },
            SecretSlot {
                kind: "access_token",
                ..SLOT
            },
            SecretSlot {
                table: "providers",
                ..SLOT
            },
        ];
        for other in others {
            let err = vault.open(&envelope, &other).unwrap_err();
            assert!(
                matches!(&err, VaultError::Tampered { slot } if *slot == other.to_string()),
                "an envelope moved to {other} must not open there: {err:?}"
            );
        }
    }

    #[test]
    fn another_key_is_tampered() {
        let envelope = Vault::from_key(KEY).seal(PLAINTEXT, &SLOT).unwrap();
        let err = Vault::from_key([0x11; 32])
            .open(&envelope, &SLOT)
            .unwrap_err();
        assert!(matches!(err, VaultError::Tampered { .. }), "{err:?}");
    }

    #[test]
    fn truncated_or_unknown_version_is_bad_envelope() {
        let vault = Vault::from_key(KEY);
        let envelope = vault.seal(PLAINTEXT, &SLOT).unwrap();

        for len in [0, 3, 5, 28, envelope::OVERHEAD - 1] {
            let err = vault.open(&envelope[..len], &SLOT).unwrap_err();
            assert!(
                matches!(err, VaultError::BadEnvelope { .. }),
                "{len} bytes cannot hold nonce and tag: {err:?}"
            );
        }

        let mut future = envelope.clone();
        future[4] = 2;
        let err = vault.open(&future, &SLOT).unwrap_err();
        assert!(
            matches!(&err, VaultError::BadEnvelope { detail, .. } if detail.contains("version 2")),
            "an unknown version is reported as such, not as tampering: {err:?}"
        );

        let mut foreign = envelope.clone();
        foreign[0] = b'X';
        let err = vault.open(&foreign, &SLOT).unwrap_err();
        assert!(matches!(err, VaultError::BadEnvelope { .. }), "{err:?}");

        // Long enough to parse, but the tag no longer matches: that is tampering.
        let err = vault
            .open(&envelope[..envelope.len() - 1], &SLOT)
            .unwrap_err();
        assert!(matches!(err, VaultError::Tampered { .. }), "{err:?}");
    }

    #[test]
    fn open_secret_rejects_binary_plaintext() {
        let vault = Vault::from_key(KEY);
        let envelope = vault.seal(&[0xff, 0xfe], &SLOT).unwrap();
        let err = vault.open_secret(&envelope, &SLOT).unwrap_err();
        assert!(matches!(err, VaultError::BadEnvelope { .. }), "{err:?}");
    }

    #[test]
    fn passphrase_create_unlock_and_wrong_passphrase() {
        let source = passphrase("correct horse battery staple");
        let (vault, header) = Vault::create(&source).unwrap();
        assert_eq!(header.key_source, KeySourceKind::Passphrase);
        assert_eq!(
            header.salt.as_ref().map(Vec::len),
            Some(SALT_LEN),
            "a passphrase profile keeps its salt in the header"
        );
        assert_eq!(header.profile.len(), 32, "128-bit random profile id in hex");

        let envelope = vault.seal(PLAINTEXT, &SLOT).unwrap();
        let again = Vault::unlock(&source, &header).unwrap();
        assert_eq!(
            again.open(&envelope, &SLOT).unwrap().as_slice(),
            PLAINTEXT,
            "same passphrase and salt give the same key"
        );

        let err = Vault::unlock(&passphrase("correct horse battery stapler"), &header).unwrap_err();
        assert!(
            matches!(
                err,
                VaultError::WrongKey {
                    source: KeySourceKind::Passphrase
                }
            ),
            "a wrong passphrase is caught by the canary: {err:?}"
        );

        let no_salt = VaultHeader {
            salt: None,
            ..header.clone()
        };
        let err = Vault::unlock(&source, &no_salt).unwrap_err();
        assert!(matches!(err, VaultError::Passphrase { .. }), "{err:?}");
    }

    #[test]
    fn canary_is_bound_to_key_and_profile() {
        let profile = "00112233445566778899aabbccddeeff";
        let canary = envelope::seal(&KEY, CANARY_PLAINTEXT, &Binding::Canary { profile }).unwrap();
        let header = VaultHeader {
            profile: profile.to_owned(),
            key_source: KeySourceKind::Passphrase,
            salt: None,
            canary,
        };
        Vault::from_key(KEY).check_canary(&header).unwrap();

        let err = Vault::from_key([0x11; 32])
            .check_canary(&header)
            .unwrap_err();
        assert!(
            matches!(err, VaultError::WrongKey { .. }),
            "another key fails the canary: {err:?}"
        );

        let other_profile = VaultHeader {
            profile: "ffeeddccbbaa99887766554433221100".to_owned(),
            ..header.clone()
        };
        let err = Vault::from_key(KEY)
            .check_canary(&other_profile)
            .unwrap_err();
        assert!(
            matches!(err, VaultError::WrongKey { .. }),
            "another profile's canary does not vouch for this one: {err:?}"
        );

        let garbage = VaultHeader {
            canary: b"not an envelope".to_vec(),
            ..header
        };
        let err = Vault::from_key(KEY).check_canary(&garbage).unwrap_err();
        assert!(matches!(err, VaultError::BadEnvelope { .. }), "{err:?}");
    }

    #[test]
    fn source_and_header_must_agree() {
        let keychain_header = VaultHeader {
            profile: "00112233445566778899aabbccddeeff".to_owned(),
            key_source: KeySourceKind::Keychain,
            salt: None,
            canary: Vec::new(),
        };
        let err = Vault::unlock(&passphrase("x"), &keychain_header).unwrap_err();
        assert!(
            matches!(&err, VaultError::Passphrase { detail } if detail.contains("unset")),
            "{err:?}"
        );

        let passphrase_header = VaultHeader {
            key_source: KeySourceKind::Passphrase,
            ..keychain_header
        };
        let keychain = KeySource::Keychain(Keychain::new("coffer-unit-test-unused"));
        let err = Vault::unlock(&keychain, &passphrase_header).unwrap_err();
        assert!(
            matches!(&err, VaultError::Passphrase { detail } if detail.contains(PASSPHRASE_ENV)),
            "{err:?}"
        );
    }

    #[test]
    fn debug_and_errors_never_show_secrets() {
        let vault = Vault::from_key(KEY);
        let debug = format!("{vault:?} {vault:#?}");
        assert!(debug.contains("[redacted]"), "{debug}");
        assert_no_leak(&debug, &KEY, "Vault's Debug");

        let envelope = vault.seal(PLAINTEXT, &SLOT).unwrap();
        let mut tampered = envelope.clone();
        tampered[30] ^= 0x80;
        let mut future = envelope.clone();
        future[4] = 9;
        let errors = [
            vault.open(&tampered, &SLOT).unwrap_err(),
            vault.open(&future, &SLOT).unwrap_err(),
            vault.open(&envelope[..20], &SLOT).unwrap_err(),
            vault
                .open(&envelope, &SecretSlot { row: 1, ..SLOT })
                .unwrap_err(),
            VaultError::WrongKey {
                source: KeySourceKind::Keychain,
            },
            VaultError::WrongKey {
                source: KeySourceKind::Passphrase,
            },
            VaultError::KeyMissing,
        ];
        for err in &errors {
            let text = format!("{err} {err:?} {err:#?}");
            assert_no_leak(&text, &KEY, "an error");
            assert_no_leak(&text, PLAINTEXT, "an error");
            // Skip the magic and version: "CFVE" may legitimately be named.
            assert_no_leak(&text, &envelope[5..], "an error");
            assert_no_leak(&text, &tampered[5..], "an error");
        }

        let source = passphrase("hunter2-passphrase");
        let debug = format!("{source:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn key_source_kind_text_round_trips() {
        for kind in [KeySourceKind::Keychain, KeySourceKind::Passphrase] {
            assert_eq!(kind.as_str().parse::<KeySourceKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!("keychain".parse(), Ok(KeySourceKind::Keychain));
        assert_eq!("passphrase".parse(), Ok(KeySourceKind::Passphrase));
        assert!(
            "Keychain".parse::<KeySourceKind>().is_err(),
            "exact spelling only"
        );
    }

    #[test]
    fn passphrase_variable_selects_the_source() {
        let set = KeySource::from_passphrase_var("svc", Some("pw".into()));
        assert!(
            matches!(&set, KeySource::Passphrase(p) if p.expose_secret() == "pw"),
            "{set:?}"
        );
        let empty = KeySource::from_passphrase_var("svc", Some("".into()));
        assert!(
            matches!(&empty, KeySource::Keychain(k) if k.service() == "svc"),
            "an empty variable means no passphrase: {empty:?}"
        );
        let unset = KeySource::from_passphrase_var("svc", None);
        assert_eq!(unset.kind(), KeySourceKind::Keychain);
    }

    /// The only test in this crate that touches the process environment.
    #[test]
    fn from_env_reads_coffer_passphrase() {
        let before = std::env::var_os(PASSPHRASE_ENV);
        std::env::set_var(PASSPHRASE_ENV, "from-the-environment");
        let source = KeySource::from_env("coffer-unit-test");
        std::env::remove_var(PASSPHRASE_ENV);
        let unset = KeySource::from_env("coffer-unit-test");
        if let Some(before) = before {
            std::env::set_var(PASSPHRASE_ENV, before);
        }

        assert!(
            matches!(&source, KeySource::Passphrase(p) if p.expose_secret() == "from-the-environment"),
            "COFFER_PASSPHRASE set → passphrase: {source:?}"
        );
        assert!(
            matches!(&unset, KeySource::Keychain(k) if k.service() == "coffer-unit-test"),
            "COFFER_PASSPHRASE unset → keychain: {unset:?}"
        );
    }
}
