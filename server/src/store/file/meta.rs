//! Metadata files of a stream or consumer directory: `meta.inf` (the config
//! as JSON, sealed when encrypted), `meta.sum` (its checksum) and `meta.key`
//! (the store's key, wrapped by the server key). Other small state files of
//! the directory (a consumer's `o.dat`) are sealed with the same key.
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::write_atomic;
use crate::store::crypto::{random_key, unwrap_key, wrap_key, Aead, KeyConfig, UnwrapError};

/// Why a directory's metadata cannot be used. The texts follow Go's log
/// lines (`Error decrypting our stream metafile: ...`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum MetaError {
    /// The directory is encrypted and the server has no key.
    NotEnabled,
    /// Neither the key nor `prev_key` opens `meta.key`.
    NoKeys,
    /// `meta.sum` does not match `meta.inf`.
    Checksum,
    /// Missing or unreadable files.
    Io(String),
}

impl std::fmt::Display for MetaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetaError::NotEnabled => f.write_str("encryption not enabled"),
            MetaError::NoKeys => f.write_str("unable to recover keys"),
            MetaError::Checksum => f.write_str("checksums do not match"),
            MetaError::Io(e) => f.write_str(e),
        }
    }
}

/// The metadata files of one directory, with its key when encrypted.
#[derive(Debug)]
pub(crate) struct MetaFiles {
    pub(crate) dir: PathBuf,
    /// The raw store key (for wrapping block keys) and its AEAD.
    pub(crate) key: Option<[u8; 32]>,
    aead: Option<Aead>,
}

fn checksum(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

impl MetaFiles {
    /// A new directory; with a server key, a fresh store key in `meta.key`.
    pub(crate) fn create(dir: &Path, keys: Option<&KeyConfig>, context: &str) -> std::io::Result<MetaFiles> {
        fs::create_dir_all(dir)?;
        let (key, aead) = match keys {
            Some(k) => {
                let key = random_key();
                write_atomic(&dir.join("meta.key"), &wrap_key(k.cipher, &k.kek(context), &key), true)?;
                (Some(key), Some(Aead::new(k.cipher, &key)))
            }
            None => (None, None),
        };
        Ok(MetaFiles { dir: dir.to_path_buf(), key, aead })
    }

    /// An existing directory. A key opened only by `prev_key`, or wrapped
    /// under another cipher, is rewrapped with the current key and cipher.
    pub(crate) fn open(dir: &Path, keys: Option<&KeyConfig>, context: &str) -> Result<MetaFiles, MetaError> {
        let kp = dir.join("meta.key");
        let wrapped = match fs::read(&kp) {
            Ok(w) => w,
            Err(_) => return Ok(MetaFiles { dir: dir.to_path_buf(), key: None, aead: None }),
        };
        let k = keys.ok_or(MetaError::NotEnabled)?;
        let (cipher, key, rewrap) = match unwrap_key(&k.kek(context), &wrapped) {
            Ok((c, key)) => (c, key, c != k.cipher),
            Err(UnwrapError::WrongKey) | Err(UnwrapError::Malformed) => {
                let prev = k.prev_kek(context).ok_or(MetaError::NoKeys)?;
                let (c, key) = unwrap_key(&prev, &wrapped).map_err(|_| MetaError::NoKeys)?;
                (c, key, true)
            }
        };
        let mf = MetaFiles { dir: dir.to_path_buf(), key: Some(key), aead: Some(Aead::new(k.cipher, &key)) };
        if rewrap {
            // Re-encrypt what the old key or cipher sealed, then the key.
            let old = Aead::new(cipher, &key);
            let io = |e: std::io::Error| MetaError::Io(e.to_string());
            if let Some(plain) = fs::read(dir.join("meta.inf")).ok().and_then(|s| old.open(&s)) {
                mf.write_meta(&plain).map_err(io)?;
            }
            if let Some(plain) = fs::read(dir.join("o.dat")).ok().and_then(|s| old.open(&s)) {
                mf.write("o.dat", &plain).map_err(io)?;
            }
            write_atomic(&kp, &wrap_key(k.cipher, &k.kek(context), &key), true)
                .map_err(|e| MetaError::Io(e.to_string()))?;
        }
        Ok(mf)
    }

    /// Writes `meta.inf` and `meta.sum`.
    pub(crate) fn write_meta(&self, json: &[u8]) -> std::io::Result<()> {
        let data = self.seal(json);
        write_atomic(&self.dir.join("meta.inf"), &data, true)?;
        write_atomic(&self.dir.join("meta.sum"), checksum(&data).as_bytes(), true)
    }

    /// Reads `meta.inf`, checked against `meta.sum`.
    pub(crate) fn read_meta(&self) -> Result<Vec<u8>, MetaError> {
        let data = fs::read(self.dir.join("meta.inf")).map_err(|e| MetaError::Io(format!("meta.inf: {e}")))?;
        let sum = fs::read_to_string(self.dir.join("meta.sum")).map_err(|e| MetaError::Io(format!("meta.sum: {e}")))?;
        if sum.trim() != checksum(&data) {
            return Err(MetaError::Checksum);
        }
        self.open_sealed(&data).ok_or(MetaError::NoKeys)
    }

    /// Writes a small state file of the directory (sealed when encrypted).
    pub(crate) fn write(&self, name: &str, plain: &[u8]) -> std::io::Result<()> {
        write_atomic(&self.dir.join(name), &self.seal(plain), false)
    }

    /// Reads what `write` wrote; `None` when missing or damaged.
    pub(crate) fn read(&self, name: &str) -> Option<Vec<u8>> {
        let data = fs::read(self.dir.join(name)).ok()?;
        self.open_sealed(&data)
    }

    fn seal(&self, plain: &[u8]) -> Vec<u8> {
        match &self.aead {
            Some(a) => a.seal(plain),
            None => plain.to_vec(),
        }
    }

    fn open_sealed(&self, data: &[u8]) -> Option<Vec<u8>> {
        match &self.aead {
            Some(a) => a.open(data),
            None => Some(data.to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::crypto::Cipher;

    #[test]
    fn encrypted_meta_rotation_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("S");
        let k1 = KeyConfig { key: "one".into(), prev_key: None, cipher: Cipher::ChaCha };
        let mf = MetaFiles::create(&d, Some(&k1), "$G/S").unwrap();
        mf.write_meta(br#"{"name":"S","subjects":["secret.plans"]}"#).unwrap();
        let raw = fs::read(d.join("meta.inf")).unwrap();
        assert!(!raw.windows(6).any(|w| w == b"secret"));
        assert_eq!(MetaFiles::open(&d, None, "$G/S").unwrap_err(), MetaError::NotEnabled);
        let wrong = KeyConfig { key: "two".into(), prev_key: None, cipher: Cipher::ChaCha };
        assert_eq!(MetaFiles::open(&d, Some(&wrong), "$G/S").unwrap_err(), MetaError::NoKeys);
        let rotate = KeyConfig { key: "two".into(), prev_key: Some("one".into()), cipher: Cipher::Aes };
        let mf = MetaFiles::open(&d, Some(&rotate), "$G/S").unwrap();
        assert!(mf.read_meta().unwrap().starts_with(b"{\"name\""));
        let two = KeyConfig { key: "two".into(), prev_key: None, cipher: Cipher::Aes };
        assert!(MetaFiles::open(&d, Some(&two), "$G/S").unwrap().read_meta().is_ok());
        assert_eq!(MetaFiles::open(&d, Some(&k1), "$G/S").unwrap_err(), MetaError::NoKeys);
        let mut bad = fs::read(d.join("meta.inf")).unwrap();
        bad[10] ^= 0xff;
        fs::write(d.join("meta.inf"), bad).unwrap();
        assert_eq!(MetaFiles::open(&d, Some(&two), "$G/S").unwrap().read_meta(), Err(MetaError::Checksum));
    }
}
