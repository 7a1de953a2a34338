//! # coffer-vault
//!
//! Coffer's secret-keeping layer: one random 256-bit key per profile, and authenticated
//! envelopes for every secret Coffer keeps in SQLite (per-user OAuth client secrets, access and
//! refresh tokens, bank login secrets).
//!
//! ## What is encrypted, and what is not
//!
//! Only **secrets** are sealed. The ledger (accounts, transactions, balances, categories) stays
//! plain SQLite:
//!
//! - Field-encrypting the ledger breaks what the ledger is for. SQL can no longer filter, sort
//!   or sum it, so everything has to be decrypted into memory first. Firefly III shipped
//!   encrypted fields and removed them for exactly this reason.
//! - The ledger is what the user looks at; its confidentiality at rest is the job of the OS's
//!   full-disk encryption. An optional encrypted database (SQLCipher keyed from this vault)
//!   can be layered on later without changing this crate's contract.
//! - Secrets are different in kind. A refresh token or a client secret does not describe the
//!   past, it grants **future access** to a bank. A copied database file, a backup or a bug
//!   report must never carry a usable one.
//!
//! ## Why one key in the keychain
//!
//! The OS keychain holds a single random 256-bit key per profile, stored as raw bytes, with
//! the profile id as the account name. Everything else lives in SQLite as ciphertext:
//!
//! - Keychain entries have size limits that real tokens exceed (about 1,280 characters on
//!   Windows). A 32-byte key fits everywhere.
//! - One keychain read per session instead of one per secret: fewer prompts, and fewer calls to
//!   an RPC store (the Secret Service) that dislikes concurrent access. This crate serialises
//!   all keychain calls in the process.
//! - Secrets stay in the same SQLite transaction as the rows they belong to. A rotated refresh
//!   token is committed atomically with its connection, and backups are consistent.
//! - Forgetting a profile is deleting one entry: every envelope becomes noise.
//!
//! `keyring` 3 silently falls back to an in-memory mock store when built without a platform
//! feature. [`Keychain::self_test`] refuses that store, and also any keychain that cannot
//! store, read back and delete a probe entry. There is **no plaintext fallback**. Where no
//! keychain exists (headless Linux without a Secret Service), the user sets
//! `COFFER_PASSPHRASE` and the key is derived with Argon2id (m = 19 MiB, t = 2, p = 1, 16-byte
//! random salt kept in the header); see [`KeySource::from_env`].
//!
//! ## Envelopes
//!
//! ```text
//! "CFVE" ‖ version (1) ‖ 24-byte random nonce ‖ XChaCha20-Poly1305 ciphertext ‖ 16-byte tag
//! ```
//!
//! The associated data binds each envelope to its [`SecretSlot`] (table, row, kind), plus a
//! context string and the version, all length-prefixed. An envelope copied into another row,
//! or from a `client_secret` column into a `refresh_token` column, fails with
//! [`VaultError::Tampered`] instead of silently decrypting.
//!
//! ## What the canary catches
//!
//! [`VaultHeader::canary`] is an envelope of a known plaintext, bound to the profile id. At
//! unlock it tells apart:
//!
//! - a **wiped** keychain (entry gone: [`VaultError::KeyMissing`]);
//! - a **replaced** entry, or a **wrong passphrase** (the canary fails:
//!   [`VaultError::WrongKey`]);
//! - the right key (the canary opens).
//!
//! Without a canary, a replaced key would surface later as a confusing pile of `Tampered`
//! secrets. Worse, new tokens could be sealed under the wrong key next to old ones. With it,
//! the app stops at unlock and offers "reconnect your banks". Tokens can always be obtained
//! again; nothing is overwritten silently.
//!
//! Error messages never contain key material, plaintext or envelope bytes. Decrypted buffers
//! are [`zeroize::Zeroizing`], and [`Vault`]'s `Debug` prints `[redacted]`.
//!
//! ## Example
//!
//! ```
//! use coffer_vault::{SecretSlot, Vault, VaultError};
//! use secrecy::{ExposeSecret, SecretString};
//!
//! let vault = Vault::from_key([7; 32]); // real code: Vault::create / Vault::unlock
//! let slot = SecretSlot { table: "connections", row: 42, kind: "refresh_token" };
//! let sealed = vault.seal_secret(&SecretString::from("rt-123"), &slot)?;
//! assert_eq!(vault.open_secret(&sealed, &slot)?.expose_secret(), "rt-123");
//!
//! let elsewhere = SecretSlot { row: 43, ..slot };
//! assert!(matches!(vault.open(&sealed, &elsewhere), Err(VaultError::Tampered { .. })));
//! # Ok::<(), VaultError>(())
//! ```

mod envelope;
mod error;
mod keychain;
mod passphrase;
mod vault;

pub use envelope::SecretSlot;
pub use error::VaultError;
pub use keychain::{Keychain, DEFAULT_SERVICE};
pub use vault::{KeySource, KeySourceKind, UnknownKeySource, Vault, VaultHeader, PASSPHRASE_ENV};
