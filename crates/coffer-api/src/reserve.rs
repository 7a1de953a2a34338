//! Room kept on disk for a renewed bank login.
//!
//! A bank that rotates refresh tokens retires the old one the moment it hands out a new pair, so
//! a pair that cannot be saved is a lost login (certain re-login). The database cannot promise
//! room for it: in WAL mode every commit appends to the log, and a full disk refuses that. So
//! before Coffer spends a refresh token it makes sure a small file beside the database is written
//! out in full (its blocks allocated while there is room); when the database then refuses the new
//! pair, the sealed envelope is written *into* those blocks, which needs no new space. The next
//! process takes the pair from there, stores it in the database once it can, and empties the file.
//!
//! The file holds one envelope (sealed and bound to its connection and kind by the vault, so it
//! is as safe on disk as the `secret` row): an 8-byte tag, its length, the envelope. The envelope
//! is written and synced before the header, so a crash in between leaves an empty reserve, never
//! a torn one.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use coffer_core::model::ConnectionId;

/// The room kept: a token answer is capped at 64 KiB, and its sealed form is a little larger.
pub(crate) const RESERVE_LEN: u64 = 128 * 1024;
const TAG: &[u8; 8] = b"CFRSV001";
const HEADER: u64 = 16;

pub(crate) struct TokenReserve {
    path: PathBuf,
}

impl TokenReserve {
    pub(crate) fn new(data_dir: &Path, connection: ConnectionId) -> TokenReserve {
        TokenReserve {
            path: data_dir.join(format!("login-{connection}.reserve")),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Makes sure the room exists, written out in full, so a later [`TokenReserve::put`] needs
    /// no new disk space. Fails when there is no room now.
    pub(crate) fn ensure(&self) -> io::Result<()> {
        let mut file = open_private(&self.path, true)?;
        let len = file.metadata()?.len();
        if len >= RESERVE_LEN {
            return Ok(());
        }
        // Zeros, really written (not a sparse `set_len`): only written blocks are allocated.
        file.seek(SeekFrom::Start(len))?;
        let zeros = vec![0u8; usize::try_from(RESERVE_LEN - len).unwrap_or(0)];
        file.write_all(&zeros)?;
        file.sync_all()
    }

    /// Keeps `envelope` in the room made by [`TokenReserve::ensure`].
    pub(crate) fn put(&self, envelope: &[u8]) -> io::Result<()> {
        let len = u64::try_from(envelope.len()).unwrap_or(u64::MAX);
        if len > RESERVE_LEN - HEADER {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the sealed login is larger than the room kept for it",
            ));
        }
        let mut file = open_private(&self.path, false)?;
        if file.metadata()?.len() < RESERVE_LEN {
            return Err(io::Error::other("no room was kept for a renewed login"));
        }
        file.seek(SeekFrom::Start(HEADER))?;
        file.write_all(envelope)?;
        file.sync_data()?;
        let mut header = [0u8; 16];
        header[..8].copy_from_slice(TAG);
        header[8..].copy_from_slice(&len.to_le_bytes());
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)?;
        file.sync_data()
    }

    /// The envelope kept here, if any.
    pub(crate) fn get(&self) -> io::Result<Option<Vec<u8>>> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut header = [0u8; 16];
        if file.read_exact(&mut header).is_err() || &header[..8] != TAG {
            return Ok(None);
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(&header[8..]);
        let len = u64::from_le_bytes(len);
        if len > RESERVE_LEN - HEADER {
            return Ok(None);
        }
        let mut envelope = vec![0u8; usize::try_from(len).unwrap_or(0)];
        file.read_exact(&mut envelope)?;
        Ok(Some(envelope))
    }

    /// Empties the room (the header only: the blocks stay allocated for the next time).
    pub(crate) fn clear(&self) -> io::Result<()> {
        let mut file = match open_private(&self.path, false) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        file.write_all(&[0u8; 16])?;
        file.sync_data()
    }

    /// Removes the file (the connection logged in again or is gone).
    pub(crate) fn remove(&self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!("cannot remove {}: {e}", self.path.display());
            }
        }
    }
}

/// Opens for writing, created with mode 0600 where that applies (like the database).
fn open_private(path: &Path, create: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(create);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_is_kept_in_the_room_made_before_and_cleared_after() {
        let dir = tempfile::tempdir().unwrap();
        let reserve = TokenReserve::new(dir.path(), 7);
        assert!(reserve.get().unwrap().is_none());
        assert!(reserve.put(b"x").is_err(), "no room was made yet");
        reserve.ensure().unwrap();
        assert_eq!(
            std::fs::metadata(reserve.path()).unwrap().len(),
            RESERVE_LEN
        );
        assert!(reserve.get().unwrap().is_none(), "a fresh room is empty");
        reserve.put(b"sealed pair").unwrap();
        assert_eq!(reserve.get().unwrap().as_deref(), Some(&b"sealed pair"[..]));
        reserve.clear().unwrap();
        assert!(reserve.get().unwrap().is_none());
        assert_eq!(
            std::fs::metadata(reserve.path()).unwrap().len(),
            RESERVE_LEN,
            "the room stays allocated"
        );
        let too_big = vec![1u8; usize::try_from(RESERVE_LEN).unwrap()];
        assert!(reserve.put(&too_big).is_err());
        reserve.remove();
        assert!(!reserve.path().exists());
    }
}
