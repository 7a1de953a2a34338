//! The envelope format and the associated data it is bound to.
//!
//! ```text
//! offset  size  field
//!      0     4  magic  "CFVE"
//!      4     1  version (1)
//!      5    24  XChaCha20 nonce, random per envelope
//!     29     n  ciphertext (same length as the plaintext)
//!   29+n    16  Poly1305 tag
//! ```
//!
//! The associated data is never stored; it is rebuilt from where the envelope is read:
//!
//! ```text
//! secret: "coffer-vault/secret\0" ‖ version ‖ u64be len(table) ‖ table ‖ i64be row ‖ u64be len(kind) ‖ kind
//! canary: "coffer-vault/canary\0" ‖ version ‖ u64be len(profile) ‖ profile
//! ```
//!
//! Both context strings have the same length and end in NUL, and every variable field is
//! length-prefixed, so no two different slots (or a slot and a canary) share associated data.

use std::fmt;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Key, Tag, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::VaultError;

/// The first bytes of every envelope.
pub(crate) const MAGIC: [u8; 4] = *b"CFVE";
/// The only envelope version this build writes and reads.
pub(crate) const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + 1 + NONCE_LEN;
/// The size of an envelope around an empty plaintext.
pub(crate) const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

const SECRET_CONTEXT: &[u8; 20] = b"coffer-vault/secret\0";
const CANARY_CONTEXT: &[u8; 20] = b"coffer-vault/canary\0";

/// Which stored row a secret belongs to. It becomes the envelope's associated data, so an
/// envelope copied to another row, table or kind no longer opens.
///
/// `kind` names the column or role (`"client_secret"`, `"refresh_token"`, …). Pick one
/// spelling per role and never change it: the slot is part of what was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretSlot<'a> {
    /// The SQLite table holding the envelope.
    pub table: &'a str,
    /// The row's id in that table.
    pub row: i64,
    /// Which secret of that row this is.
    pub kind: &'a str,
}

impl fmt::Display for SecretSlot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.table, self.row, self.kind)
    }
}

/// What an envelope is bound to.
#[derive(Clone, Copy)]
pub(crate) enum Binding<'a> {
    /// A stored secret.
    Slot(&'a SecretSlot<'a>),
    /// A profile's canary.
    Canary { profile: &'a str },
}

impl Binding<'_> {
    /// How the binding is named in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Binding::Slot(slot) => slot.to_string(),
            Binding::Canary { profile } => format!("vault canary of profile {profile}"),
        }
    }

    fn associated_data(&self, version: u8) -> Vec<u8> {
        let mut aad = Vec::with_capacity(64);
        match self {
            Binding::Slot(slot) => {
                aad.extend_from_slice(SECRET_CONTEXT);
                aad.push(version);
                push_field(&mut aad, slot.table.as_bytes());
                aad.extend_from_slice(&slot.row.to_be_bytes());
                push_field(&mut aad, slot.kind.as_bytes());
            }
            Binding::Canary { profile } => {
                aad.extend_from_slice(CANARY_CONTEXT);
                aad.push(version);
                push_field(&mut aad, profile.as_bytes());
            }
        }
        aad
    }
}

fn push_field(aad: &mut Vec<u8>, field: &[u8]) {
    // usize → u64 is lossless on every platform Rust supports.
    aad.extend_from_slice(&(field.len() as u64).to_be_bytes());
    aad.extend_from_slice(field);
}

/// Why an envelope did not open. The caller turns this into a [`VaultError`], which is where
/// the canary and ordinary secrets part ways.
pub(crate) enum OpenFailure {
    /// Framing is wrong: too short, wrong magic, unknown version.
    Malformed(String),
    /// The framing is fine but authentication failed.
    Unauthentic,
}

impl OpenFailure {
    pub(crate) fn into_error(self, binding: &Binding<'_>) -> VaultError {
        match self {
            OpenFailure::Malformed(detail) => VaultError::BadEnvelope {
                slot: binding.describe(),
                detail,
            },
            OpenFailure::Unauthentic => VaultError::Tampered {
                slot: binding.describe(),
            },
        }
    }
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    // The cipher keeps its own copy of the key and wipes it on drop (chacha20poly1305 0.10
    // implements `ZeroizeOnDrop`).
    XChaCha20Poly1305::new(Key::from_slice(key))
}

/// Seals `plaintext` under `key`, bound to `binding`, with a fresh random nonce.
pub(crate) fn seal(
    key: &[u8; 32],
    plaintext: &[u8],
    binding: &Binding<'_>,
) -> Result<Vec<u8>, VaultError> {
    let mut nonce = [0u8; NONCE_LEN];
    // 192-bit random nonces: collisions are negligible for any number of envelopes one
    // desktop will ever write, which is why XChaCha and not ChaCha's 96-bit nonce.
    rand::rng().fill_bytes(&mut nonce);

    let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    // Encrypt in place inside the output buffer so the plaintext is never copied anywhere
    // that outlives this call unencrypted.
    out.extend_from_slice(plaintext);
    let aad = binding.associated_data(VERSION);
    match cipher(key).encrypt_in_place_detached(
        XNonce::from_slice(&nonce),
        &aad,
        &mut out[HEADER_LEN..],
    ) {
        Ok(tag) => {
            // Capacity was reserved for the tag, so this does not reallocate.
            out.extend_from_slice(&tag);
            Ok(out)
        }
        Err(_) => {
            // Only reachable for plaintexts beyond the cipher's 256 GiB limit; the buffer
            // still holds plaintext, so wipe it.
            out.zeroize();
            Err(VaultError::BadEnvelope {
                slot: binding.describe(),
                detail: "the plaintext is too long to seal".to_owned(),
            })
        }
    }
}

/// Opens an envelope written by [`seal`] for the same key and binding.
pub(crate) fn open(
    key: &[u8; 32],
    envelope: &[u8],
    binding: &Binding<'_>,
) -> Result<Zeroizing<Vec<u8>>, OpenFailure> {
    if envelope.len() < MAGIC.len() + 1 {
        return Err(OpenFailure::Malformed(format!(
            "{} bytes is too short to be an envelope",
            envelope.len()
        )));
    }
    if envelope[..MAGIC.len()] != MAGIC {
        return Err(OpenFailure::Malformed(
            "it does not start with the Coffer envelope marker".to_owned(),
        ));
    }
    let version = envelope[MAGIC.len()];
    if version != VERSION {
        return Err(OpenFailure::Malformed(format!(
            "envelope version {version} is not supported by this build (expected {VERSION})"
        )));
    }
    if envelope.len() < OVERHEAD {
        return Err(OpenFailure::Malformed(format!(
            "{} bytes is shorter than the {OVERHEAD}-byte minimum (truncated)",
            envelope.len()
        )));
    }

    let nonce = XNonce::from_slice(&envelope[MAGIC.len() + 1..HEADER_LEN]);
    let (body, tag) = envelope[HEADER_LEN..].split_at(envelope.len() - HEADER_LEN - TAG_LEN);
    let mut plaintext = Zeroizing::new(body.to_vec());
    let aad = binding.associated_data(version);
    cipher(key)
        .decrypt_in_place_detached(nonce, &aad, &mut plaintext, Tag::from_slice(tag))
        .map_err(|_| OpenFailure::Unauthentic)?;
    Ok(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOT: SecretSlot<'static> = SecretSlot {
        table: "connections",
        row: 7,
        kind: "refresh_token",
    };

    #[test]
    fn layout_is_magic_version_nonce_ciphertext_tag() {
        let key = [3u8; 32];
        let envelope = seal(&key, b"abc", &Binding::Slot(&SLOT)).unwrap();
        assert_eq!(&envelope[..4], b"CFVE", "envelopes start with the magic");
        assert_eq!(envelope[4], 1, "the fifth byte is the version");
        assert_eq!(
            envelope.len(),
            4 + 1 + 24 + 3 + 16,
            "magic + version + nonce + ciphertext + tag"
        );
    }

    #[test]
    fn nonces_are_fresh_per_envelope() {
        let key = [3u8; 32];
        let a = seal(&key, b"same", &Binding::Slot(&SLOT)).unwrap();
        let b = seal(&key, b"same", &Binding::Slot(&SLOT)).unwrap();
        assert_ne!(a[5..29], b[5..29], "two seals never reuse a nonce");
        assert_ne!(a, b, "equal plaintexts give different envelopes");
    }

    #[test]
    fn associated_data_is_unambiguous() {
        // Without length prefixes these two would concatenate to the same bytes.
        let a = SecretSlot {
            table: "ab",
            row: 1,
            kind: "c",
        };
        let b = SecretSlot {
            table: "a",
            row: 1,
            kind: "bc",
        };
        assert_ne!(
            Binding::Slot(&a).associated_data(VERSION),
            Binding::Slot(&b).associated_data(VERSION),
            "field boundaries are part of the associated data"
        );
        let canary = Binding::Canary { profile: "p" };
        let slot = SecretSlot {
            table: "p",
            row: 0,
            kind: "",
        };
        assert_ne!(
            canary.associated_data(VERSION)[..20],
            Binding::Slot(&slot).associated_data(VERSION)[..20],
            "canaries and secrets use different contexts"
        );
    }
}
