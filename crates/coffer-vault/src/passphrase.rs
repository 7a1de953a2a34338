//! Deriving a profile key from a passphrase.
//!
//! Argon2id with OWASP's first recommended parameter set (m = 19 MiB, t = 2, p = 1) and a
//! fresh 16-byte salt per profile. The parameters are fixed for the key source text
//! `"passphrase"`; changing them means a new [`crate::KeySourceKind`] spelling so existing
//! headers keep deriving the same key.

use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::VaultError;

/// Memory cost in KiB (19 MiB).
pub(crate) const MEMORY_KIB: u32 = 19 * 1024;
/// Number of passes.
pub(crate) const ITERATIONS: u32 = 2;
/// Degree of parallelism.
pub(crate) const LANES: u32 = 1;
/// Salt length in bytes.
pub(crate) const SALT_LEN: usize = 16;

/// The least zxcvbn score (0–4) a new passphrase needs: 3 resists an offline attack on the
/// Argon2 hash with the salt and canary (anyone who reads the database file has both).
const MIN_SCORE: u8 = 3;

/// Refuses a passphrase that is too easy to guess, saying how to pick a better one. Checked
/// when a vault is created; an existing vault still opens with the passphrase it was made with.
pub(crate) fn check_strength(passphrase: &SecretString) -> Result<(), VaultError> {
    let text = passphrase.expose_secret();
    if text.chars().count() < 12 {
        return Err(VaultError::Passphrase {
            detail: "the passphrase is shorter than 12 characters; use four or more unrelated \
                     words"
                .to_owned(),
        });
    }
    let score = u8::from(zxcvbn::zxcvbn(text, &[]).score());
    if score < MIN_SCORE {
        return Err(VaultError::Passphrase {
            detail: format!(
                "the passphrase is too easy to guess (strength {score} of 4, {MIN_SCORE} needed); \
                 use four or more unrelated words"
            ),
        });
    }
    Ok(())
}

/// Derives the 32-byte key for `passphrase` and `salt`.
pub(crate) fn derive_key(
    passphrase: &SecretString,
    salt: &[u8],
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let passphrase = passphrase.expose_secret();
    if passphrase.is_empty() {
        return Err(VaultError::Passphrase {
            detail: "the passphrase is empty".to_owned(),
        });
    }
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, Some(32)).map_err(|err| {
        VaultError::Passphrase {
            detail: format!("invalid Argon2 parameters: {err}"),
        }
    })?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    // Own the working memory so it can be wiped afterwards; `hash_password_into` would drop
    // it without clearing.
    let mut memory = Zeroizing::new(vec![Block::default(); argon2.params().block_count()]);
    let mut key = Zeroizing::new([0u8; 32]);
    argon2
        .hash_password_into_with_memory(
            passphrase.as_bytes(),
            salt,
            key.as_mut_slice(),
            memory.as_mut_slice(),
        )
        .map_err(|err| VaultError::Passphrase {
            detail: format!("key derivation failed: {err}"),
        })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passphrases_are_refused_and_strong_ones_accepted() {
        for weak in ["p", "pass phrase", "password1234", "aaaaaaaaaaaaaaaa"] {
            let err = check_strength(&SecretString::from(weak.to_string())).unwrap_err();
            assert!(err.to_string().contains("passphrase"), "{weak}: {err}");
        }
        for strong in [
            "tangerine ferry quilt oblong",
            "lantern orbit mossy cobbler",
            "correct horse battery staple ferry",
            "first pumpkin harbor velvet",
            "another quartz meadow signal",
            "cli tangerine ferry quilt",
            "plum radish tundra oboe",
            "e2e marble canyon tulip",
            "package-check-walnut-gazebo-plume",
        ] {
            check_strength(&SecretString::from(strong.to_string()))
                .unwrap_or_else(|e| panic!("{strong}: {e}"));
        }
    }

    #[test]
    fn parameters_are_the_documented_ones() {
        assert_eq!(MEMORY_KIB, 19_456, "19 MiB");
        assert_eq!((ITERATIONS, LANES, SALT_LEN), (2, 1, 16));
    }

    #[test]
    fn empty_passphrase_is_refused() {
        let err = derive_key(&SecretString::from(""), &[0u8; SALT_LEN]).unwrap_err();
        assert!(
            matches!(err, VaultError::Passphrase { .. }),
            "an empty passphrase would give every such profile the same key: {err:?}"
        );
    }

    #[test]
    fn salt_changes_the_key() {
        let pass = SecretString::from("correct horse battery staple");
        let a = derive_key(&pass, &[1u8; SALT_LEN]).unwrap();
        let b = derive_key(&pass, &[2u8; SALT_LEN]).unwrap();
        assert_ne!(
            *a, *b,
            "the same passphrase under two salts must give two keys"
        );
    }
}
