//! Encryption at rest of hotline attachments (screenshots of bullying, letters; never abuse
//! imagery, which the hotline keeps as hashes and URLs only).
//!
//! Why a key outside the database: the store holds only [`Sealed`] attachments, and the
//! 32-byte key lives in its own file (`[hotline] key_file`, by default `<data_dir>/hotline.key`,
//! which can be moved to another disk or a secrets mount). A stolen or leaked database file,
//! or a backup of it, alone reveals no attachment. The file is created once with mode `0600`
//! and refused when group or others can reach it; losing it makes every stored attachment
//! unreadable, so it must be backed up separately from the database.
//!
//! The cipher is XChaCha20-Poly1305: its 192-bit nonces can be drawn at random for every
//! attachment without any risk of repetition, and its tag detects any change to the
//! ciphertext, the nonce or the associated data (which binds an attachment to its record, so
//! a ciphertext copied to another case does not open there).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305, XNonce};

/// Length in bytes of a vault key.
pub const KEY_BYTES: usize = 32;

/// Length in bytes of a [`Sealed`] nonce.
pub const NONCE_BYTES: usize = 24;

/// What went wrong opening the key file or an attachment.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key file could not be read, created or written.
    #[error(
        "hotline key file {path}: {source}; check the path ([hotline] key_file) and that its \
         directory exists and is writable by the server",
        path = path.display()
    )]
    Io {
        /// The key file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The key file path names something that is not a regular file.
    #[error(
        "hotline key file {path} is not a regular file: point [hotline] key_file at a file",
        path = path.display()
    )]
    NotAFile {
        /// The key file.
        path: PathBuf,
    },
    /// Group or others may access the key file.
    #[error(
        "hotline key file {path} is accessible by group or others (mode {mode:03o}): run \
         `chmod 600 {path}`",
        path = path.display()
    )]
    Permissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file does not hold exactly [`KEY_BYTES`] bytes.
    #[error(
        "hotline key file {path} holds {len} bytes, a key holds exactly 32: restore the right \
         file from backup (a new key cannot open attachments sealed with the old one)",
        path = path.display()
    )]
    Length {
        /// The key file.
        path: PathBuf,
        /// How many bytes it holds (counting stops at 33).
        len: usize,
    },
    /// The operating system's random generator failed while making a new key.
    #[error("cannot make a hotline key: the operating system's random generator failed: {0}")]
    Random(String),
    /// The attachment does not open with this key and associated data.
    #[error(
        "attachment cannot be decrypted: it was altered, belongs to another record, or the \
         hotline key file is not the one it was sealed with (restore the key file from backup \
         if it was replaced)"
    )]
    Tampered,
}

impl VaultError {
    fn io(path: &Path, source: io::Error) -> Self {
        VaultError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An encrypted attachment: what the store keeps.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The random nonce it was sealed with (not secret).
    pub nonce: [u8; NONCE_BYTES],
    /// The ciphertext followed by its 16-byte authentication tag.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("ciphertext_bytes", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// The hotline's attachment key, loaded from its file; seals and opens attachments.
///
/// `Debug` shows the key file's path, never key material; the cipher wipes its key from
/// memory when the vault is dropped.
pub struct Vault {
    cipher: XChaCha20Poly1305,
    path: PathBuf,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("key_file", &self.path)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Loads the key from `path`, or, when no file is there, creates one with a fresh key
    /// from the operating system's random generator (mode `0600`, written to a temporary file
    /// then linked into place, so a crash never leaves a partial key and an existing key is
    /// never overwritten, even by another process creating it at the same moment).
    ///
    /// Refuses a file that group or others may access, that is not a regular file, or that
    /// does not hold exactly 32 bytes. The parent directory must exist.
    pub fn open_or_create(path: &Path) -> Result<Vault, VaultError> {
        match File::open(path) {
            Ok(file) => Self::read(path, file),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Self::create(path),
            Err(err) => Err(VaultError::io(path, err)),
        }
    }

    /// The key file this vault was loaded from.
    pub fn key_file(&self) -> &Path {
        &self.path
    }

    /// Encrypts `plaintext` with a fresh random nonce; `associated` (e.g. the case id and the
    /// plaintext's SHA-256) is authenticated, not stored: [`Vault::open`] needs the same bytes.
    ///
    /// # Panics
    ///
    /// Only if `plaintext` exceeds the cipher's limit of 256 GiB (the server caps uploads far
    /// below), or if the operating system cannot seed the thread's random generator.
    pub fn seal(&self, plaintext: &[u8], associated: &[u8]) -> Sealed {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let ciphertext = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: associated,
                },
            )
            .expect("XChaCha20-Poly1305 seals any plaintext under 256 GiB");
        Sealed { nonce, ciphertext }
    }

    /// Decrypts `sealed`, checking that neither it nor `associated` changed since
    /// [`Vault::seal`] and that this is the key it was sealed with.
    pub fn open(&self, sealed: &Sealed, associated: &[u8]) -> Result<Vec<u8>, VaultError> {
        self.cipher
            .decrypt(
                &XNonce::from(sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: associated,
                },
            )
            .map_err(|_| VaultError::Tampered)
    }

    fn read(path: &Path, file: File) -> Result<Vault, VaultError> {
        let meta = file.metadata().map_err(|err| VaultError::io(path, err))?;
        if !meta.is_file() {
            return Err(VaultError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        check_private(path, &meta)?;
        let mut bytes = Vec::with_capacity(KEY_BYTES + 1);
        file.take(KEY_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| VaultError::io(path, err))?;
        let key = Key::try_from(bytes.as_slice()).map_err(|_| VaultError::Length {
            path: path.to_path_buf(),
            len: bytes.len(),
        })?;
        bytes.fill(0);
        Ok(Self::with_key(path, &key))
    }

    fn create(path: &Path) -> Result<Vault, VaultError> {
        let key = Key::try_generate().map_err(|err| VaultError::Random(err.to_string()))?;
        let temp = temp_path(path);
        let written = write_private(&temp, &key).and_then(|()| fs::hard_link(&temp, path));
        // The temporary name goes whether or not the key reached its place.
        let removed = fs::remove_file(&temp);
        match written {
            Ok(()) => {}
            // Another process created the key first: use theirs.
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let file = File::open(path).map_err(|err| VaultError::io(path, err))?;
                return Self::read(path, file);
            }
            Err(err) => return Err(VaultError::io(path, err)),
        }
        removed.map_err(|err| VaultError::io(&temp, err))?;
        sync_parent(path)?;
        Ok(Self::with_key(path, &key))
    }

    fn with_key(path: &Path, key: &Key) -> Vault {
        Vault {
            cipher: XChaCha20Poly1305::new(key),
            path: path.to_path_buf(),
        }
    }
}

/// A fresh name next to `path` for writing a new key before linking it into place.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(
        || "hotline.key".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let tag: u64 = rand::random();
    path.with_file_name(format!(".{name}.{}.{tag:016x}.tmp", std::process::id()))
}

/// Writes `key` to a new file at `temp`, readable by its owner only, and flushes it to disk.
fn write_private(temp: &Path, key: &Key) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(temp)?;
    file.write_all(key)?;
    file.sync_all()
}

/// Makes the new key file's directory entry durable.
fn sync_parent(path: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        let parent = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(|err| VaultError::io(parent, err))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Refuses a key file that group or others may read, write or execute.
#[cfg(unix)]
fn check_private(path: &Path, meta: &fs::Metadata) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(VaultError::Permissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Permission bits are a Unix notion: elsewhere the file's ACLs are the operator's job.
#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &fs::Metadata) -> Result<(), VaultError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const LETTER: &[u8] = "Thư của em: các bạn trong lớp chụp màn hình và chế giễu em.".as_bytes();
    const AD: &[u8] = b"case 17 sha256 0011";

    fn vault_in(dir: &tempfile::TempDir) -> (Vault, PathBuf) {
        let path = dir.path().join("hotline.key");
        (Vault::open_or_create(&path).unwrap(), path)
    }

    #[test]
    fn seal_then_open_gives_the_plaintext_back() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _) = vault_in(&dir);
        let sealed = vault.seal(LETTER, AD);
        assert_eq!(sealed.ciphertext.len(), LETTER.len() + 16);
        assert!(
            !sealed
                .ciphertext
                .windows(8)
                .any(|w| LETTER.windows(8).any(|p| p == w))
        );
        assert_eq!(vault.open(&sealed, AD).unwrap(), LETTER);
        let empty = vault.seal(b"", b"");
        assert_eq!(vault.open(&empty, b"").unwrap(), b"");
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _) = vault_in(&dir);
        let a = vault.seal(LETTER, AD);
        let b = vault.seal(LETTER, AD);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn any_flipped_bit_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _) = vault_in(&dir);
        let sealed = vault.seal(LETTER, AD);
        for byte in [0, LETTER.len() / 2, sealed.ciphertext.len() - 1] {
            let mut bad = sealed.clone();
            bad.ciphertext[byte] ^= 0x01;
            assert!(matches!(vault.open(&bad, AD), Err(VaultError::Tampered)));
        }
        for byte in [0, NONCE_BYTES - 1] {
            let mut bad = sealed.clone();
            bad.nonce[byte] ^= 0x80;
            assert!(matches!(vault.open(&bad, AD), Err(VaultError::Tampered)));
        }
        let mut other_ad = AD.to_vec();
        other_ad[5] ^= 0x01;
        assert!(matches!(
            vault.open(&sealed, &other_ad),
            Err(VaultError::Tampered)
        ));
        let mut short = sealed.clone();
        short.ciphertext.truncate(10);
        assert!(matches!(vault.open(&short, AD), Err(VaultError::Tampered)));
        let message = VaultError::Tampered.to_string();
        assert!(message.contains("altered") && message.contains("key file"));
    }

    #[test]
    fn another_key_cannot_open() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _) = vault_in(&dir);
        let (other, _) = vault_in(&tempfile::tempdir().unwrap());
        let sealed = vault.seal(LETTER, AD);
        assert!(matches!(other.open(&sealed, AD), Err(VaultError::Tampered)));
    }

    #[test]
    fn the_created_key_file_is_private_and_reopens_to_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, path) = vault_in(&dir);
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(meta.len(), KEY_BYTES as u64);
        let key = fs::read(&path).unwrap();
        let again = Vault::open_or_create(&path).unwrap();
        assert_eq!(
            fs::read(&path).unwrap(),
            key,
            "an existing key is never replaced"
        );
        let sealed = vault.seal(LETTER, AD);
        assert_eq!(again.open(&sealed, AD).unwrap(), LETTER);
        // Only the key file is left behind: the temporary name was removed.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_key_file_open_to_group_or_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (_, path) = vault_in(&dir);
        for mode in [0o640, 0o604, 0o620] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let err = Vault::open_or_create(&path).unwrap_err();
            assert!(matches!(err, VaultError::Permissions { mode: m, .. } if m == mode));
            assert!(
                err.to_string()
                    .contains(&format!("chmod 600 {}", path.display())),
                "{err}"
            );
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        Vault::open_or_create(&path).unwrap();
    }

    #[test]
    fn a_key_file_of_the_wrong_length_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (len, reported) in [(0, 0), (31, 31), (33, 33), (4096, 33)] {
            let path = dir.path().join(format!("key-{len}"));
            fs::write(&path, vec![7u8; len]).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            let err = Vault::open_or_create(&path).unwrap_err();
            assert!(
                matches!(err, VaultError::Length { len: l, .. } if l == reported),
                "{err}"
            );
            assert!(err.to_string().contains("exactly 32"));
            assert_eq!(
                fs::read(&path).unwrap().len(),
                len,
                "a bad key is left as it was"
            );
        }
    }

    #[test]
    fn a_written_key_is_used_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("restored.key");
        fs::write(&path, [42u8; KEY_BYTES]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let a = Vault::open_or_create(&path).unwrap();
        let b = Vault::with_key(&path, &Key::from([42u8; KEY_BYTES]));
        assert_eq!(b.open(&a.seal(LETTER, AD), AD).unwrap(), LETTER);
    }

    #[test]
    fn a_directory_or_missing_parent_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Vault::open_or_create(dir.path()).unwrap_err();
        assert!(matches!(err, VaultError::NotAFile { .. }), "{err}");
        let missing = dir.path().join("no-such-dir").join("hotline.key");
        let err = Vault::open_or_create(&missing).unwrap_err();
        assert!(matches!(err, VaultError::Io { .. }), "{err}");
        assert!(err.to_string().contains("[hotline] key_file"));
    }

    #[test]
    fn debug_shows_no_key_material() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        fs::write(&path, [0xabu8; KEY_BYTES]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let vault = Vault::open_or_create(&path).unwrap();
        let shown = format!("{vault:?} {vault:#?}");
        assert!(shown.contains("key_file"));
        assert!(!shown.to_lowercase().contains("abab"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
        let sealed = vault.seal(LETTER, AD);
        assert!(!format!("{sealed:?}").contains("ciphertext: ["));
    }
}
